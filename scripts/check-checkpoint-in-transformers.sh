#!/usr/bin/env bash
# Does a thinktune checkpoint load in transformers and agree with thinktune? (needs a Python with torch and
# transformers 5: PYTHON=/path/to/python). Scores the same ids with both and prints the largest difference
# of the next-token log-probs; exits 1 above 1e-4.
#   scripts/check-checkpoint-in-transformers.sh runs/x/checkpoints/step-2 [IDS_JSON]
# IDS_JSON: a JSON list of id lists; default: two prompts + answers of test/fixtures/hf/chat-tuned.
set -euo pipefail
dir=$1
python=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ids=${2:-$work/ids.json}
if [ -z "${2:-}" ]; then
  node -e '
    const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(JSON.stringify([0, 3].map((i) => [...e.items[i].prompt_ids, ...e.items[i].generated_ids])));
  ' "$root/test/fixtures/hf/chat-tuned/expected_answers.json" > "$ids"
fi
"$python" "$root/scripts/make_hf_fixtures.py" --check "$dir" --ids "$ids" > "$work/hf.json"
node -e '
  const fs = require("fs");
  const { execFileSync } = require("child_process");
  const [root, dir, idsFile, hfFile] = process.argv.slice(1);
  const hf = JSON.parse(fs.readFileSync(hfFile, "utf8")).next_token_logprobs;
  let worst = 0;
  JSON.parse(fs.readFileSync(idsFile, "utf8")).forEach((ids, k) => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "score", "--model", dir, "--ids", ids.join(","), "--json"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    JSON.parse(out).next_token_logprobs.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - hf[k][i]))));
  });
  console.log(`transformers loads ${dir}; max |next-token log-prob difference| vs thinktune: ${worst.toExponential(2)}`);
  process.exit(worst < 1e-4 ? 0 : 1);
' "$root" "$(cd "$dir" && pwd)" "$ids" "$work/hf.json"
