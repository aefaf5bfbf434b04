// Open and click tracking of e-mail HTML: which links are rewritten, how they are signed.

#include "pipeline/tracking.h"

#include <gtest/gtest.h>

namespace mercato {
namespace {

constexpr char kSecret[] = "tracking-secret";
constexpr char kKey[] = "cart/0123456789abcdef/1/2/remind";
constexpr char kBase[] = "https://mail.shop.test";

TEST(TrackingTest, TokensCarryTheKeyAndCannotBeForged) {
  const std::string token = TrackingToken(kSecret, kKey);
  auto key = VerifyTrackingToken(kSecret, token);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, kKey);
  EXPECT_FALSE(VerifyTrackingToken("other-secret", token).ok());
  std::string altered = token;
  altered[0] = altered[0] == 'Y' ? 'Z' : 'Y';
  EXPECT_FALSE(VerifyTrackingToken(kSecret, altered).ok());
  EXPECT_FALSE(VerifyTrackingToken(kSecret, "").ok());
  EXPECT_FALSE(VerifyTrackingToken(kSecret, "no-dot").ok());
  EXPECT_NE(ClickSignature(kSecret, token, "https://a.test/"),
            ClickSignature(kSecret, token, "https://b.test/"));
}

TEST(TrackingTest, RewritesWebLinksAndAddsThePixel) {
  const std::string html =
      "<html><body><a href=\"https://shop.test/p?id=1&amp;ref=mail\">Shoes</a> "
      "<a href=\"mailto:help@shop.test\">Help</a> "
      "<a href=\"https://mail.shop.test/v1/unsubscribe?token=x\">Unsubscribe</a></body></html>";
  const std::string out = AddTracking(html, kBase, kSecret, kKey);
  const std::string token = TrackingToken(kSecret, kKey);
  // The web link goes through the click endpoint, with the URL as the browser reads it (&amp;
  // unescaped) percent-encoded and signed.
  const std::string url = "https://shop.test/p?id=1&ref=mail";
  const std::string click = std::string(kBase) + "/v1/email/click?t=" + token +
                            "&amp;u=" + PercentEncode(url) +
                            "&amp;s=" + ClickSignature(kSecret, token, url);
  EXPECT_NE(out.find("href=\"" + click + "\""), std::string::npos) << out;
  EXPECT_EQ(out.find("href=\"https://shop.test/"), std::string::npos) << out;
  // mailto: and the unsubscribe link stay as they are.
  EXPECT_NE(out.find("href=\"mailto:help@shop.test\""), std::string::npos);
  EXPECT_NE(out.find("href=\"https://mail.shop.test/v1/unsubscribe?token=x\""), std::string::npos);
  // The pixel sits before </body>.
  const size_t pixel = out.find("<img src=\"https://mail.shop.test/v1/email/open?t=" + token);
  ASSERT_NE(pixel, std::string::npos) << out;
  EXPECT_LT(pixel, out.find("</body>"));
  // Without a body element the pixel is appended.
  const std::string bare = AddTracking("<p>Hi</p>", kBase, kSecret, kKey);
  EXPECT_TRUE(bare.starts_with("<p>Hi</p><img src=")) << bare;
  EXPECT_EQ(PercentEncode("a b/ć"), "a%20b%2F%C4%87");
}

}  // namespace
}  // namespace mercato
