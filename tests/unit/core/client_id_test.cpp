#include "core/client_id.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

namespace wshub::core {
namespace {

TEST(ClientId, FifteenCharactersOfBase32AfterThePrefix) {
  EXPECT_EQ(format_client_id(0), "c-0000000000000");
  EXPECT_EQ(format_client_id(31), "c-000000000000v");
  EXPECT_EQ(format_client_id(32), "c-0000000000010");
  // All 64 bits count: the first digit carries the top four (0xF -> 'f').
  EXPECT_EQ(format_client_id(UINT64_MAX), "c-fvvvvvvvvvvvv");
  EXPECT_EQ(format_client_id(std::uint64_t{1} << 63), "c-8000000000000");
  EXPECT_EQ(format_client_id(12345).size(), k_client_id_length);
}

TEST(ClientId, FitsTheInlineStringBuffer) {
  // libstdc++ and libc++ keep at least 15 characters inline.
  EXPECT_LE(k_client_id_length, std::string().capacity());
}

TEST(ClientId, DistinctDrawsGiveDistinctIds) {
  std::set<std::string> ids;
  for (std::uint64_t i = 0; i < 4096; ++i) ids.insert(format_client_id(i * 0x9E3779B97F4A7C15ull));
  EXPECT_EQ(ids.size(), 4096u);
}

}  // namespace
}  // namespace wshub::core
