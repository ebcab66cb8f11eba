// Copies the compiled SDK (dist/*.js) to web/sdk/, where the demo shop loads
// it and the C++ build embeds it: the C++ build must not need Node.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const target = join(root, "..", "..", "web", "sdk");
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of readdirSync(dist).filter((n) => n.endsWith(".js")).sort()) {
  copyFileSync(join(dist, name), join(target, name));
}
