#include "data/importer.h"

#include <gtest/gtest.h>

#include "../testing/temp_dir.h"

namespace nba {
namespace {

// "item:type:ts" for each event of `user`, in sequence order.
std::vector<std::string> Events(const Dataset& d, const std::string& user) {
  uint32_t u = 0;
  EXPECT_TRUE(d.users.Find(user, &u)) << user;
  std::vector<std::string> out;
  for (const Interaction& e : d.sequences[u]) {
    out.push_back(d.items.External(e.item) + ":" + EventTypeName(e.type) + ":" + std::to_string(e.ts));
  }
  return out;
}

Status Import(const std::string& path, ImportFormat format, Dataset* d, ImportReport* r) {
  ImportOptions opts;
  opts.format = format;
  return ImportFile(path, opts, d, r);
}

using V = std::vector<std::string>;

TEST(ImporterTest, SharedTsvSortsEachUserStablyByTs) {
  testing::TempDir dir;
  std::string path = dir.Write("d.tsv",
                               "user_id\titem_id\tts\tevent\n"
                               "7\t100\t5\tview\n"
                               "7\t200\t3\tcart\n"
                               "3\t100\t1\tpurchase\n"
                               "7\t300\t5\tinteraction\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kTsv, &d, &r).ok());
  EXPECT_EQ(d.num_users(), 2u);
  EXPECT_EQ(d.num_items(), 3u);
  EXPECT_EQ(d.users.External(0), "7");  // dense ids in order of first appearance
  EXPECT_EQ(d.items.External(1), "100");
  EXPECT_EQ(Events(d, "7"), (V{"200:add_to_cart:3", "100:view:5", "300:interaction:5"}));
  EXPECT_EQ(Events(d, "3"), (V{"100:purchase:1"}));
  EXPECT_EQ(r.rows_read, 4u);
  EXPECT_EQ(r.rows_kept, 4u);
  EXPECT_EQ(r.bad_rows, 0u);
  EXPECT_EQ(r.format, "tsv");
  EXPECT_EQ(r.stats.users, 2u);
  EXPECT_EQ(r.stats.events, 4u);
  EXPECT_EQ(r.stats.events_per_type[static_cast<int>(EventType::kView)], 1u);
  EXPECT_EQ(r.stats.lengths.min, 1u);
  EXPECT_EQ(r.stats.lengths.max, 3u);
  EXPECT_DOUBLE_EQ(r.stats.lengths.mean, 2.0);
}

TEST(ImporterTest, ReadsGzipAndDetectsFormat) {
  testing::TempDir dir;
  std::string path = dir.Write("d.tsv.gz", "user_id\titem_id\tts\tevent\n1\t9\t0\tview\n1\t8\t1\tbuy\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kAuto, &d, &r).ok());
  EXPECT_EQ(r.format, "tsv");
  EXPECT_EQ(Events(d, "1"), (V{"9:view:0", "8:purchase:1"}));
}

TEST(ImporterTest, PairsUseLineOrderWithinUser) {
  testing::TempDir dir;
  std::string path = dir.Write("Video.txt", "1 10\n2 30\n1 20\n1 10\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kAuto, &d, &r).ok());
  EXPECT_EQ(r.format, "pairs");
  EXPECT_EQ(Events(d, "1"), (V{"10:interaction:0", "20:interaction:1", "10:interaction:2"}));
  EXPECT_EQ(Events(d, "2"), (V{"30:interaction:0"}));
}

TEST(ImporterTest, SequencesOneLinePerUser) {
  testing::TempDir dir;
  std::string path = dir.Write("Beauty.txt.gz", "1 5 6 7\n2 6\n");
  Dataset d;
  ImportReport r;
  ImportOptions opts;
  opts.positional_event = EventType::kPurchase;
  ASSERT_TRUE(ImportFile(path, opts, &d, &r).ok());
  EXPECT_EQ(r.format, "sequences");
  EXPECT_EQ(r.rows_kept, 2u);
  EXPECT_EQ(r.stats.events, 4u);
  EXPECT_EQ(Events(d, "1"), (V{"5:purchase:0", "6:purchase:1", "7:purchase:2"}));
  EXPECT_EQ(Events(d, "2"), (V{"6:purchase:0"}));
}

TEST(ImporterTest, MovieLensRatingsDatAndUData) {
  testing::TempDir dir;
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(dir.Write("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n"
                                              "2::1193::4::978298413\n"),
                     ImportFormat::kAuto, &d, &r)
                  .ok());
  EXPECT_EQ(r.format, "movielens");
  EXPECT_EQ(Events(d, "1"), (V{"1193:rating:978300760", "661:rating:978302109"}));

  ASSERT_TRUE(Import(dir.Write("small.data", "196\t242\t3\t881250949\n196\t302\t3\t881250940\n"),
                     ImportFormat::kAuto, &d, &r)
                  .ok());
  EXPECT_EQ(r.format, "movielens");
  EXPECT_EQ(Events(d, "196"), (V{"302:rating:881250940", "242:rating:881250949"}));
}

TEST(ImporterTest, TaobaoBehaviours) {
  testing::TempDir dir;
  std::string path = dir.Write("UserBehavior.csv",
                               "1,2268318,2520377,pv,1511544070\n"
                               "1,2333346,2520771,cart,1511561733\n"
                               "1,2576651,149192,fav,1511572885\n"
                               "1,3830808,4181361,buy,1511593493\n"
                               "1,4365585,2520377,like,1511596146\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kAuto, &d, &r).ok());
  EXPECT_EQ(r.format, "taobao");
  EXPECT_EQ(Events(d, "1"), (V{"2268318:view:1511544070", "2333346:add_to_cart:1511561733",
                               "2576651:interaction:1511572885", "3830808:purchase:1511593493"}));
  ASSERT_EQ(r.bad_examples.size(), 1u);
  EXPECT_EQ(r.bad_examples[0].line, 5);
  EXPECT_EQ(r.bad_examples[0].reason, "unknown behavior 'like'");
}

TEST(ImporterTest, BadRowsAreCountedAndReportedWithLineNumbers) {
  testing::TempDir dir;
  std::string path = dir.Write("d.tsv",
                               "user_id\titem_id\tts\tevent\n"
                               "1\t10\t0\tview\n"
                               "1\t11\n"                    // line 3: too few fields
                               "1\t12\tnoon\tview\n"        // line 4: ts not an integer
                               "\n"                         // line 5: blank
                               "1\t13\t2\tlike\n"           // line 6: unknown event
                               "1\t\t3\tview\n"             // line 7: empty item
                               "1\t14\t4\tview\textra\n"    // line 8: too many fields
                               "1\t15\t5.5\tview\n"         // line 9: ts not an integer
                               "1\t16\t6\tpurchase\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kTsv, &d, &r).ok());
  EXPECT_EQ(r.rows_read, 8u);
  EXPECT_EQ(r.rows_kept, 2u);
  EXPECT_EQ(r.bad_rows, 6u);
  EXPECT_EQ(r.missing_fields, 2u);
  EXPECT_EQ(r.blank_lines, 1u);
  ASSERT_EQ(r.bad_examples.size(), ImportReport::kMaxBadExamples);
  EXPECT_EQ(r.bad_examples[0].line, 3);
  EXPECT_EQ(r.bad_examples[0].reason, "expected 4 fields separated by tabs, got 2");
  EXPECT_EQ(r.bad_examples[1].line, 4);
  EXPECT_EQ(r.bad_examples[1].reason, "ts 'noon' is not an integer");
  EXPECT_EQ(r.bad_examples[2].line, 6);
  EXPECT_EQ(r.bad_examples[2].reason, "unknown event 'like'");
  EXPECT_EQ(r.bad_examples[3].line, 7);
  EXPECT_EQ(r.bad_examples[3].reason, "empty item_id");
  EXPECT_EQ(r.bad_examples[4].line, 8);
  EXPECT_EQ(Events(d, "1"), (V{"10:view:0", "16:purchase:6"}));

  std::string text = FormatReport(r);
  EXPECT_NE(text.find("8 read, 2 kept, 6 bad (2 with missing fields), 1 blank lines"), std::string::npos) << text;
  EXPECT_NE(text.find("line 4: ts 'noon' is not an integer"), std::string::npos) << text;
  nlohmann::json json = ReportToJson(r);
  EXPECT_EQ(json["bad_rows"], 6);
  EXPECT_EQ(json["bad_examples"][2]["line"], 6);
  EXPECT_EQ(json["stats"]["events_per_type"]["purchase"], 1);
}

TEST(ImporterTest, DuplicateEventsAreCountedAndKept) {
  testing::TempDir dir;
  std::string path = dir.Write("d.tsv", "1\t10\t0\tview\n1\t10\t0\tview\n1\t10\t0\tcart\n1\t10\t1\tview\n");
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(path, ImportFormat::kAuto, &d, &r).ok());
  EXPECT_EQ(r.format, "tsv");  // detected without a header from the event column
  EXPECT_EQ(r.stats.duplicate_events, 1u);
  EXPECT_EQ(r.stats.events, 4u);
}

TEST(ImporterTest, PositionalFormatsRejectWrongFieldCounts) {
  testing::TempDir dir;
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(dir.Write("p.txt", "1 10\n1\n1 10 11\n"), ImportFormat::kPairs, &d, &r).ok());
  EXPECT_EQ(r.bad_rows, 2u);
  EXPECT_EQ(r.missing_fields, 1u);
  ASSERT_EQ(r.bad_examples.size(), 2u);
  EXPECT_EQ(r.bad_examples[0].line, 2);
  EXPECT_EQ(r.bad_examples[1].reason, "expected 'user item', got 3 fields");
}

TEST(ImporterTest, FileWithNoValidRowIsAnError) {
  testing::TempDir dir;
  Dataset d;
  ImportReport r;
  Status s = Import(dir.Write("bad.tsv", "user_id\titem_id\tts\tevent\n1\t2\tx\tview\n"), ImportFormat::kAuto, &d, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("bad.tsv: no valid rows (1 bad rows, first at line 2: ts 'x' is not an integer)"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(r.bad_rows, 1u);

  s = Import(dir.Write("header.tsv", "user_id\titem_id\tts\tevent\n"), ImportFormat::kTsv, &d, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("header.tsv: no valid rows (the file has no rows)"), std::string::npos) << s.message();

  s = Import(dir.Write("empty.txt.gz", ""), ImportFormat::kAuto, &d, &r);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("empty.txt.gz"), std::string::npos) << s.message();
}

TEST(ImporterTest, MissingFileIsNotFound) {
  testing::TempDir dir;
  Dataset d;
  ImportReport r;
  for (ImportFormat f : {ImportFormat::kAuto, ImportFormat::kTsv, ImportFormat::kMovieLens}) {
    Status s = Import(dir.File("ratings.dat"), f, &d, &r);
    EXPECT_EQ(s.code(), Status::Code::kNotFound);
    EXPECT_NE(s.message().find("ratings.dat"), std::string::npos) << s.message();
  }
}

TEST(ImporterTest, TruncatedGzipIsCorruption) {
  testing::TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1\t" + std::to_string(i) + "\t" + std::to_string(i) + "\tview\n";
  std::string path = dir.Write("d.tsv.gz", text);
  std::string bytes = dir.Read("d.tsv.gz");
  std::filesystem::resize_file(path, bytes.size() / 2);
  Dataset d;
  ImportReport r;
  Status s = Import(path, ImportFormat::kTsv, &d, &r);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("d.tsv.gz: after line"), std::string::npos) << s.message();
}

TEST(ImporterTest, LongLinesAreReadWhole) {
  testing::TempDir dir;
  std::string line = "u";
  for (int i = 0; i < 30000; ++i) line += " " + std::to_string(i);
  Dataset d;
  ImportReport r;
  ASSERT_TRUE(Import(dir.Write("seq.txt", line + "\n"), ImportFormat::kSequences, &d, &r).ok());
  EXPECT_EQ(d.num_events(), 30000u);
  EXPECT_EQ(d.num_items(), 30000u);
}

TEST(ImporterTest, FormatNames) {
  ImportFormat f;
  for (const char* name : {"auto", "tsv", "pairs", "sequences", "movielens", "taobao"}) {
    ASSERT_TRUE(ParseImportFormat(name, &f)) << name;
    EXPECT_STREQ(ImportFormatName(f), name);
  }
  EXPECT_FALSE(ParseImportFormat("csv", &f));
}

}  // namespace
}  // namespace nba
