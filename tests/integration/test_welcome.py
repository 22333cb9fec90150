"""The welcome frame (PROTOCOL.md section 2)."""

from wshub_harness import WsClient, arun, close_all


def test_welcome_fields_and_unique_client_ids(hub):
    async def main():
        clients = [await WsClient.connect(hub.port, user=f"user{i}") for i in range(6)]
        try:
            ids = set()
            for i, c in enumerate(clients):
                w = c.welcome
                assert c.first_frame_type == "welcome", "the first frame must be the welcome"
                assert w["type"] == "welcome"
                assert isinstance(w["client"], str) and w["client"], w
                assert isinstance(w["instance"], str) and w["instance"], w
                assert w["user"] == f"user{i}", w
                assert w["ping_interval"] == 25, w
                assert w["version"] == 1, w
                ids.add(w["client"])
            assert len(ids) == len(clients), f"client ids not unique: {ids}"
            assert len({c.welcome["instance"] for c in clients}) == 1
            status, info = await hub.aapi("GET", "/api/info")
            assert status == 200, info
            assert [i["id"] for i in info["instances"]] == [clients[0].welcome["instance"]]
        finally:
            await close_all(clients)
    arun(main())


def test_welcome_anonymous_user_is_empty(hub):
    async def main():
        c = await WsClient.connect(hub.port)
        try:
            assert c.welcome["user"] == "", c.welcome
        finally:
            await c.close()
    arun(main())


def test_welcome_user_with_escaped_characters(hub):
    async def main():
        c = await WsClient.connect(hub.port, user="ana maria@\u00e9")
        try:
            assert c.welcome["user"] == "ana maria@\u00e9", c.welcome
        finally:
            await c.close()
    arun(main())


def test_user_query_ignored_outside_dev(server_factory):
    srv = server_factory(args=["--allow-anonymous", "--api-key", "k"], dev=False)

    async def main():
        c = await WsClient.connect(srv.port, user="mallory")
        try:
            assert c.welcome["user"] == "", \
                f"?user= must be ignored outside --dev, welcome was {c.welcome}"
        finally:
            await c.close()
    arun(main())
