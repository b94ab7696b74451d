// json-rules-engine's side of bench/peers.py: node run.js RULES.json FACTS.jsonl ROUNDS
// One Engine holds the generated rules; each profile is one engine.run(facts). A rule's event params carry the
// facts it derives, added to the almanac as runtime facts when it succeeds (json-rules-engine runs one priority
// at a time and awaits the success handlers before the next, so later rules see them). The first pass records
// the firings (event types in order) and warms the JIT; then ROUNDS timed passes, in CPU seconds of this process.
'use strict';
const fs = require('fs');
const { Engine } = require('json-rules-engine');

async function main() {
  const [rulesFile, factsFile, roundsText] = process.argv.slice(2);
  const rules = JSON.parse(fs.readFileSync(rulesFile, 'utf8'));
  const profiles = fs.readFileSync(factsFile, 'utf8').split('\n').filter((line) => line).map((line) => JSON.parse(line));
  const engine = new Engine(rules, { allowUndefinedFacts: true });
  engine.addOperator('exists', (factValue) => factValue !== undefined && factValue !== null);
  engine.on('success', (event, almanac) => {
    for (const [name, value] of Object.entries(event.params.assert)) almanac.addRuntimeFact(name, value);
  });
  const fired = [];
  for (const facts of profiles) {
    const { events } = await engine.run(facts);
    fired.push(events.map((event) => event.type));
  }
  const seconds = [];
  for (let round = 0; round < Number(roundsText); round++) {
    const started = process.cpuUsage();
    for (const facts of profiles) await engine.run(facts);
    const used = process.cpuUsage(started);
    seconds.push((used.user + used.system) / 1e6);
  }
  process.stdout.write(JSON.stringify({ fired, seconds }));
}

main().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
