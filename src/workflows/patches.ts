/** Patch IDs of released workflow paths changed since (`patched()`); one ID per released change set. */

/** Hostile-input hardening of guardedCall: input limits, call fingerprints, approver groups required. */
export const HOSTILE_INPUT_PATCH = 'hostile-input';

/** Standing grants: an escalation asks the live grants of its tool and rules to decide it. */
export const STANDING_GRANTS_PATCH = 'standing-grants';
