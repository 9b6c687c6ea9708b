/** `receipt verify ID|FILE` and `receipt public-key`: prove a decision after the fact. */
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { dataConverterFromEnv } from '../codec';
import { clientConnectionOptions, loadConnectionConfig } from '../config';
import { readReceiptFile, receiptOfCall, type ReceiptToCheck } from '../receipts/read-receipt';
import { loadReceiptKeys, rawPublicKey, RECEIPT_KEYS_ENV, RECEIPT_PUBLIC_KEYS_ENV } from '../receipts/receipt-keys';
import { verifyReceipt } from '../receipts/sign-receipt';
import { fail, parseJsonObject, printJson } from './output';

async function fromCall(id: string): Promise<ReceiptToCheck> {
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const client = new Client({ connection, namespace: config.namespace, dataConverter: dataConverterFromEnv() });
    const found = await receiptOfCall(client, id);
    if (!found) {
      throw Object.assign(
        new Error(`${id} has no receipt: it is still pending, or its worker has no ${RECEIPT_KEYS_ENV}`),
        { code: 'GUARD_RECEIPT_INVALID' },
      );
    }
    return found;
  } finally {
    await connection.close();
  }
}

export function registerReceiptCommands(program: Command): Command {
  const receipt = program.command('receipt').description('verify signed decision receipts');

  receipt
    .command('verify')
    .description('check a receipt: its Ed25519 signature and that it binds the input that ran')
    .argument('<id-or-file>', 'escalation ID (the workflow ID), or a JSON file with a receipt')
    .option('--input <json>', 'the input to check the receipt against (a file read without one: signature only)')
    .action(async (target: string, flags: { input?: string }) => {
      try {
        const keys = loadReceiptKeys();
        if (!keys) {
          throw new Error(`no receipt keys: set ${RECEIPT_PUBLIC_KEYS_ENV} (or ${RECEIPT_KEYS_ENV}) to verify`);
        }
        const found = existsSync(target) ? readReceiptFile(target) : await fromCall(target);
        const input = flags.input ? parseJsonObject(flags.input, '--input') : found.input;
        const check = verifyReceipt(keys, found.receipt, input);
        printJson({
          escalationId: found.receipt.escalationId,
          keyId: found.receipt.signature?.keyId,
          ...check,
          valid: check.problems.length === 0,
        });
        if (check.problems.length > 0) {
          fail(Object.assign(new Error(check.problems.join('; ')), { code: 'GUARD_RECEIPT_INVALID' }));
        }
      } catch (err) {
        fail(err);
      }
    });

  receipt
    .command('public-key')
    .description(`print the public keys of ${RECEIPT_KEYS_ENV} as ${RECEIPT_PUBLIC_KEYS_ENV} wants them`)
    .action(() => {
      try {
        const raw = process.env[RECEIPT_KEYS_ENV];
        if (!raw?.trim()) throw new Error(`${RECEIPT_KEYS_ENV} is not set`);
        const keys = loadReceiptKeys({ [RECEIPT_KEYS_ENV]: raw });
        const ids = raw.split(',').map((entry) => entry.trim().slice(0, entry.trim().indexOf(':')).trim());
        const lines = ids.flatMap((id) => {
          const key = keys?.verifying.get(id);
          return key ? [`${id}:${rawPublicKey(key)}`] : [];
        });
        process.stdout.write(`${lines.join(',')}\n`);
      } catch (err) {
        fail(err);
      }
    });
  return program;
}
