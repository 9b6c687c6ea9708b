/** The HTTP approval API and the approvals inbox page. */
export { buildApi, type ApiOptions } from './build-api';
export { apiLoggerOptions } from './api-logger';
export { DEFAULT_BODY_LIMIT, MAX_BODY_DEPTH, MAX_URL_LENGTH } from './request-limits';
export { startApi, type RunningApi } from './start-api';
export { API_ERRORS, ApiError, type ApiErrorBody, type ApiErrorCode } from './errors';
export {
  escalationQuery,
  getEscalation,
  listEscalations,
  type EscalationDetail,
  type EscalationPage,
  type EscalationSummary,
  type ListEscalationsOptions,
} from './escalations';
export { openApiDocument } from './openapi';
