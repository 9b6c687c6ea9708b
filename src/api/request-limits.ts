/**
 * The HTTP-level limits of the approval API. Structural limits of values (depth, bytes, entries, strings) are
 * INPUT_LIMITS in src/workflows/input-limits.ts; these only say how they apply to a request.
 */
import { INPUT_LIMITS } from '../workflows/input-limits';

/** Default body limit: a decision with an edited input is small; 64 KiB leaves room and refuses abuse. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Longest path segment: link tokens travel in the path and are longer than fastify's default of 100. */
export const MAX_PARAM_LENGTH = 4096;

/** Longest URL (path and query) answered with anything but 414; Node refuses a request line over 16 KiB first. */
export const MAX_URL_LENGTH = 8192;

/** Deepest JSON body: a body holds at most one tool input (`modifiedInput`), one level down. */
export const MAX_BODY_DEPTH = INPUT_LIMITS.input.maxDepth + 1;
