/** Patch IDs of released workflow paths changed since (`patched()`); one ID per released change set. */

/** Hostile-input hardening of guardedCall: input limits, call fingerprints, approver groups required. */
export const HOSTILE_INPUT_PATCH = 'hostile-input';

/** Escalation ladders (reminders, routing, onTimeout, extensions): asked only for a rule that has one. */
export const ESCALATION_LADDER_PATCH = 'escalation-ladder';
