#include "data/writer.h"

#include <gtest/gtest.h>

#include "data/importer.h"
#include "../testing/temp_dir.h"

namespace nba {
namespace {

Dataset Sample() {
  Dataset d;
  d.users.Intern("alice");
  d.users.Intern("bob");
  uint32_t shoe = d.items.Intern("shoe"), sock = d.items.Intern("sock");
  d.sequences = {{{sock, EventType::kView, 1000}, {shoe, EventType::kAddToCart, 2000}},
                 {{shoe, EventType::kPurchase, 5}}};
  return d;
}

TEST(WriterTest, WritesSharedTsv) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteTsv(Sample(), dir.File("out.tsv")).ok());
  EXPECT_EQ(dir.Read("out.tsv"),
            "user_id\titem_id\tts\tevent\n"
            "alice\tsock\t1000\tview\n"
            "alice\tshoe\t2000\tadd_to_cart\n"
            "bob\tshoe\t5\tpurchase\n");
}

TEST(WriterTest, GzipRoundTrip) {
  testing::TempDir dir;
  std::string path = dir.File("out.tsv.gz");
  ASSERT_TRUE(WriteTsv(Sample(), path).ok());
  EXPECT_NE(dir.Read("out.tsv.gz").substr(0, 2), "us");  // compressed, not plain text
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(ImportFile(path, {}, &d, &r).ok());
  EXPECT_EQ(r.format, "tsv");
  EXPECT_EQ(r.bad_rows, 0u);
  ASSERT_EQ(d.num_users(), 2u);
  EXPECT_EQ(d.users.External(1), "bob");
  ASSERT_EQ(d.sequences[0].size(), 2u);
  EXPECT_EQ(d.items.External(d.sequences[0][0].item), "sock");
  EXPECT_EQ(d.sequences[0][1].type, EventType::kAddToCart);
  EXPECT_EQ(d.sequences[0][1].ts, 2000);
  EXPECT_EQ(d.items.External(d.sequences[1][0].item), "shoe");
}

TEST(WriterTest, UnwritablePathIsAnError) {
  testing::TempDir dir;
  Status s = WriteTsv(Sample(), dir.File("no/such/dir/out.tsv"));
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("out.tsv"), std::string::npos);
}

}  // namespace
}  // namespace nba
