// Encodes texts.json with js-tiktoken's GPT-2 encoding (its own copy of the ranks) and prints
// gpt2-ids.json: for each text the ids of the plain encoding (special spellings are ordinary
// text) and of the encoding that recognises <|endoftext|>.
// Usage (outside the repo): npm install js-tiktoken@1.0.21 && node encode.mjs texts.json > gpt2-ids.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const { getEncoding } = require("js-tiktoken");

const gpt2 = getEncoding("gpt2");
const { texts } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const cases = texts.map((text) => ({
  text,
  ids: gpt2.encode(text, [], []),
  idsWithSpecial: gpt2.encode(text, "all"),
}));
process.stdout.write(JSON.stringify({ reference: "js-tiktoken@1.0.21 getEncoding('gpt2')", cases }, null, 0) + "\n");
