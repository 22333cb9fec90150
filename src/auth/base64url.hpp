// Strict base64url (RFC 4648 section 5) decoding, as used by JWS compact
// serialization and JWK members: alphabet A-Z a-z 0-9 - _, no padding, no
// whitespace, and no leftover bits (a non-canonical last character is refused,
// so one encoded text has exactly one meaning).
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshub::auth {

// The decoded bytes, or nullopt when `text` is not canonical unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace wshub::auth
