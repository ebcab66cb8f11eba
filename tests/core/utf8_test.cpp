#include "core/utf8.h"

#include <gtest/gtest.h>

namespace nba {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("sku-123"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9B\x92"));  // é € 🛒
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));                 // never valid
  EXPECT_FALSE(IsValidUtf8("\xC3"));                 // truncated
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));             // bad continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));         // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));     // above U+10FFFF
}

}  // namespace
}  // namespace nba
