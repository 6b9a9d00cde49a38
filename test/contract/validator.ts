/**
 * Validates bus payloads against the JSON Schema files of src/bus/contracts/
 * with ajv, the way a program written from the schemas alone would: no zod, no
 * code of ours but the name → file map. Draft 2020-12 in strict mode, except
 * that `required` may name properties the schema does not describe (the spec's
 * trader-config.schema.json does: valid JSON Schema, refused by strictRequired).
 */
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACTS_DIR, SCHEMA_FILE_BY_CHANNEL, SCHEMA_FILE_BY_KEY } from "../../src/bus/contract-schemas.ts";
import { classifyChannel, classifyKey } from "../../src/bus/keys.ts";

export interface ContractValidator {
  /** The compiled schema of one file. */
  forFile(file: string): ValidateFunction;
  /** Problems of `value` stored under `key` ([] when it conforms); throws for a key outside the contract. */
  key(key: string, value: unknown): string[];
  /** Problems of `message` published on `channel` ([] when it conforms); throws for a channel outside the contract. */
  channel(channel: string, message: unknown): string[];
}

export function contractValidator(): ContractValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  for (const file of readdirSync(CONTRACTS_DIR).filter((f) => f.endsWith(".schema.json"))) {
    ajv.addSchema(JSON.parse(readFileSync(join(CONTRACTS_DIR, file), "utf8")));
  }
  const forFile = (file: string): ValidateFunction => {
    const validate = ajv.getSchema(file);
    if (!validate) throw new Error(`no schema ${file} in ${CONTRACTS_DIR}`);
    return validate;
  };
  const problems = (file: string, value: unknown): string[] => {
    const validate = forFile(file);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${file}: ${e.instancePath || "(root)"} ${e.message ?? "invalid"}`);
  };
  return {
    forFile,
    key(key, value) {
      const kind = classifyKey(key);
      if (kind === null) throw new Error(`${key} is not a key of the Redis contract`);
      return problems(SCHEMA_FILE_BY_KEY[kind], value);
    },
    channel(channel, message) {
      const kind = classifyChannel(channel);
      if (kind === null) throw new Error(`${channel} is not a channel of the Redis contract`);
      return problems(SCHEMA_FILE_BY_CHANNEL[kind], message);
    },
  };
}
