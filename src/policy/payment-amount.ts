/**
 * The amount a payment tool's input moves, in major units, for the CEL function `paymentAmount(input)`:
 * payment APIs name and shape it in many ways (Stripe `amount`, Square `amount_money: {amount}` in minor units,
 * PayPal `amount: {value: "2500.00"}`, Google `{units, nanos}`, Wise `sourceAmount`, batches of refunds) and
 * agents write it as text (`"€5000"`, `"EUR 2,000"`, `"1.500,00"`, `"2k"`). Pure; time linear in the input.
 */

/** Thrown for an amount written as text that is not a number: the condition errors, and its rule blocks. */
export class PaymentAmountError extends Error {
  constructor(text: string) {
    super(`payment amount '${text.slice(0, 40)}' is not a number`);
    this.name = 'PaymentAmountError';
  }
}

/** Keys that hold an amount in major units, compared without case, `_` or `-` (`Amount`, `refund_amount`). */
const majorKeys = new Set([
  'amount',
  'refundamount',
  'paymentamount',
  'sourceamount',
  'transferamount',
  'payoutamount',
]);
/** Keys that hold it in minor units (`amount_cents`, `amountMinor`, `amount_in_cents`). */
const minorKeys = new Set(['amountcents', 'amountincents', 'amountminor', 'minoramount', 'amountminorunits']);
/** Objects whose `amount` is in minor units (Square's and others' Money: `amount_money`, `total_money`). */
const moneySuffix = /money$/;
/** Objects that wrap the payment (`payment: {amount}`, `refund: {amount}`). */
const wrapperKeys = new Set(['payment', 'refund', 'transfer', 'payout', 'charge', 'transaction']);

const normal = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

const multipliers: Record<string, number> = { k: 1e3, m: 1e6 };

/**
 * A number written as text, in the notations agents and people use: a currency sign or ISO code (`€5000`,
 * `EUR 2,000`), blanks or `'` between thousands, a comma or a point as the decimal separator (the last of the two
 * when both appear; a lone one followed by exactly three digits groups thousands), `k`/`m` suffixes, exponents.
 * @throws PaymentAmountError when the text is not a number
 */
export function parseAmountText(text: string): number {
  let t = text
    .trim()
    .replace(/^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$/, '')
    .replace(/[$€£¥₹₩₽]/g, '')
    .replace(/[\s\u00a0\u202f']/g, '');
  let scale = 1;
  const suffix = /^([+-]?[\d.,]+)([kKmM])$/.exec(t);
  if (suffix) {
    t = suffix[1] as string;
    scale = multipliers[(suffix[2] as string).toLowerCase()] as number;
  }
  if (/^[+-]?\d+(?:\.\d+)?e[+-]?\d+$/i.test(t)) return Number(t) * scale;
  if (!/^[+-]?[\d.,]+$/.test(t) || !/\d/.test(t)) throw new PaymentAmountError(text);
  const comma = t.lastIndexOf(',');
  const point = t.lastIndexOf('.');
  let decimal: string | undefined;
  if (comma >= 0 && point >= 0) decimal = comma > point ? ',' : '.';
  else if (comma >= 0 || point >= 0) {
    const sep = comma >= 0 ? ',' : '.';
    const groups = t.replace(/^[+-]/, '').split(sep);
    const thousands =
      groups.length > 1 && groups.slice(1).every((g) => g.length === 3) && (groups[0] ?? '').length <= 3;
    decimal = thousands ? undefined : sep;
  }
  const grouping = decimal === ',' ? /\./g : decimal === '.' ? /,/g : /[.,]/g;
  let digits = t.replace(grouping, '');
  if (decimal === ',') digits = digits.replace(',', '.');
  const value = Number(digits);
  if (!Number.isFinite(value) || (digits.match(/\./g) ?? []).length > 1) throw new PaymentAmountError(text);
  return value * scale;
}

/** An amount given as a number or as text, in major units. */
function amountOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseAmountText(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return objectAmount(value);
  return undefined;
}

/** The amount an object states: `{value}` (PayPal, in major units), `{units, nanos}` (Google), `{amount}`. */
function objectAmount(object: object): number | undefined {
  const fields = object as Record<string, unknown>;
  if ('units' in fields) {
    const units = amountOf(fields.units) ?? 0;
    const nanos = typeof fields.nanos === 'number' ? fields.nanos : 0;
    return units + nanos / 1e9;
  }
  if ('value' in fields) return amountOf(fields.value);
  return paymentAmount(fields, 1);
}

/**
 * The amount `input` moves, in major units: the first amount field found (see the module comment), or the sum
 * of the amounts of an array of payments (`refunds: [{amount: 900}, {amount: 900}]`, which splits one refund to
 * stay under a limit); 0 when there is none. Searches two levels of wrapping objects.
 * @throws PaymentAmountError when an amount is text that is not a number
 */
export function paymentAmount(input: Record<string, unknown>, depth = 0): number {
  for (const [key, value] of Object.entries(input)) {
    const name = normal(key);
    if (majorKeys.has(name) || minorKeys.has(name)) {
      const amount = amountOf(value);
      // An amount field that is neither a number, text nor an object (a list, a boolean) is not understood.
      if (amount === undefined) throw new PaymentAmountError(JSON.stringify(value) ?? String(value));
      return majorKeys.has(name) ? amount : amount / 100;
    } else if (moneySuffix.test(name) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const amount = amountOf((value as Record<string, unknown>).amount);
      if (amount !== undefined) return amount / 100;
    }
  }
  if (depth >= 2) return 0;
  for (const [key, value] of Object.entries(input)) {
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      let sum = 0;
      for (const item of value.slice(0, 1000)) {
        if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
          sum += paymentAmount(item as Record<string, unknown>, depth + 1);
        }
      }
      if (sum !== 0) return sum;
    } else if (wrapperKeys.has(normal(key))) {
      const amount = paymentAmount(value as Record<string, unknown>, depth + 1);
      if (amount !== 0) return amount;
    }
  }
  return 0;
}
