/** The schema of a rule's quorum, `escalation.approvals`, as written (docs/policies.md "Quorum"). */
import { z } from 'zod';

/** Most approvers (and denials) a quorum may ask for: every vote is kept in the call's state and history. */
export const MAX_QUORUM = 10;

const groupName = z.string().min(1, 'expected a non-empty group name');
const countOf = (what: string) =>
  z
    .number({ error: `expected a whole number of ${what}, e.g. 2` })
    .int(`expected a whole number of ${what}`)
    .min(1, `expected at least 1 ${what.replace(/s$/, '')}`)
    .max(MAX_QUORUM, `at most ${MAX_QUORUM} ${what}`);

/** `approvals: { count: 2, distinct: true, allOf: [finance, legal], denyCount: 1 }` as written. */
export const approvalsSchema = z
  .strictObject({
    count: countOf('approvers').optional(),
    distinct: z
      .literal(true, {
        error: 'distinct: false is not supported: one approver never counts twice (leave it out or write true)',
      })
      .optional(),
    allOf: z.array(groupName).min(1, 'expected at least one group').max(MAX_QUORUM).optional(),
    denyCount: countOf('denials').optional(),
  })
  .refine((spec) => spec.count === undefined || spec.count >= new Set(spec.allOf ?? []).size, {
    error: (iss) => {
      const spec = iss.input as { count: number; allOf: string[] };
      return (
        `count ${spec.count} is less than the ${new Set(spec.allOf).size} groups of allOf: each group needs an ` +
        `approver of its own (write count: ${new Set(spec.allOf).size} or more, or leave count out)`
      );
    },
  });

/** The quorum as written. */
export type ApprovalsSpec = z.infer<typeof approvalsSchema>;
