import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// web/sdk/ is committed so the C++ build needs no Node: it must be the build of src/.
test("web/sdk holds exactly the compiled SDK", () => {
  const dist = new URL("../dist/", import.meta.url).pathname;
  const web = new URL("../../../web/sdk/", import.meta.url).pathname;
  const built = readdirSync(dist).filter((n) => n.endsWith(".js")).sort();
  assert.deepEqual(readdirSync(web).sort(), built, "run `npm run build` in sdk/js");
  for (const name of built) {
    assert.equal(readFileSync(join(web, name), "utf8"), readFileSync(join(dist, name), "utf8"), `web/sdk/${name} is stale: run \`npm run build\` in sdk/js`);
  }
});
