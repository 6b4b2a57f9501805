#!/usr/bin/env node
// Reproducible build of the AnchorRegistry contract (specs/ledger/anchoring.md).
//
//   node scripts/compile_contract.mjs --check   recompile; exit 1 if the committed JSON differs
//   node scripts/compile_contract.mjs --write   recompile and rewrite the committed JSON
//
// The compiler is the npm `solc` package (soljson, the compiler built to JavaScript), pinned to
// one exact version in package.json and package-lock.json, so every machine runs the same
// compiler binary. The settings below (optimizer, EVM target, metadata) are fixed here and copied
// into the JSON, so the build is a pure function of the source file and this script.
// Compiler warnings fail the build as errors do.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "vc_service", "ledger", "contracts", "AnchorRegistry.sol");
const ARTEFACT = join(ROOT, "vc_service", "ledger", "contracts", "AnchorRegistry.json");
const CONTRACT = "AnchorRegistry";
// The source's name inside the compiler input; it is recorded in the contract metadata, whose
// hash ends the bytecode, so it must not depend on where the checkout lives.
const SOURCE_NAME = relative(ROOT, SOURCE).split("\\").join("/");

// Fixed build settings. evmVersion "paris" is the last target without PUSH0 (EIP-3855,
// Shanghai): the bytecode runs on any London-or-later chain, including Hyperledger Besu QBFT
// networks whose genesis enables no Shanghai milestone, on py-evm and on Anvil.
const SETTINGS = {
  evmVersion: "paris",
  optimizer: { enabled: true, runs: 10000 },
  viaIR: false,
  metadata: { appendCBOR: true, bytecodeHash: "ipfs", useLiteralContent: false },
  outputSelection: {
    [SOURCE_NAME]: {
      [CONTRACT]: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"],
    },
  },
};

function fail(message) {
  process.stderr.write(`compile_contract: ${message}\n`);
  process.exit(1);
}

function loadSolc() {
  const require = createRequire(import.meta.url);
  let solc;
  try {
    solc = require("solc");
  } catch (error) {
    fail(`the npm package solc is not installed (run "npm ci" in ${ROOT}): ${error.message}`);
  }
  const pinned = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies.solc;
  const installed = require("solc/package.json").version;
  if (installed !== pinned) {
    fail(`solc ${installed} is installed but package.json pins ${pinned} (run "npm ci")`);
  }
  return solc;
}

function build() {
  const solc = loadSolc();
  const source = readFileSync(SOURCE, "utf8");
  const input = { language: "Solidity", sources: { [SOURCE_NAME]: { content: source } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const problems = (output.errors ?? []).filter((e) => e.severity !== "info");
  if (problems.length > 0) {
    fail(`solc reported:\n${problems.map((e) => e.formattedMessage ?? e.message).join("\n")}`);
  }
  const contract = output.contracts?.[SOURCE_NAME]?.[CONTRACT];
  if (!contract) fail(`solc produced no ${CONTRACT}`);
  const { outputSelection, ...settings } = SETTINGS;
  const artefact = {
    contractName: CONTRACT,
    sourcePath: SOURCE_NAME,
    sourceSha256: createHash("sha256").update(source, "utf8").digest("hex"),
    compiler: { package: "solc", version: solc.version() },
    settings,
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    methodIdentifiers: contract.evm.methodIdentifiers,
  };
  return `${JSON.stringify(artefact, null, 2)}\n`;
}

function main(argv) {
  const mode = argv[0];
  if (argv.length !== 1 || (mode !== "--check" && mode !== "--write")) {
    fail("usage: node scripts/compile_contract.mjs --check | --write");
  }
  const built = build();
  if (mode === "--write") {
    writeFileSync(ARTEFACT, built);
    process.stdout.write(`wrote ${relative(ROOT, ARTEFACT)}\n`);
    return;
  }
  let committed;
  try {
    committed = readFileSync(ARTEFACT, "utf8");
  } catch (error) {
    fail(`cannot read ${relative(ROOT, ARTEFACT)}: ${error.message}`);
  }
  if (committed !== built) {
    const a = JSON.parse(committed);
    const b = JSON.parse(built);
    const fields = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    fail(
      `${relative(ROOT, ARTEFACT)} does not match a fresh build (differs in: ${fields.join(", ") || "formatting"}); ` +
        `run "node scripts/compile_contract.mjs --write" and commit the result`,
    );
  }
  process.stdout.write(`${relative(ROOT, ARTEFACT)} matches a fresh build\n`);
}

main(process.argv.slice(2));
