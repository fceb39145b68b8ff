// ES module entry: the same objects as the CommonJS entry (one native addon, loaded once).
import cjs from './index.js'

export const {
  Webhook,
  WebhookError,
  WebhookVerificationError,
  WebhookPayloadError,
  generateSecret,
  parseEvent,
  topics,
  retrySchedule,
  nextRetryDelay,
  retryAfterDelay,
  health,
  rateLimitCheck,
  burstAllows,
  validateEndpoint,
  DEFAULT_TOLERANCE_SECONDS,
  DEFAULT_FAILURE_WINDOW_SECONDS,
} = cjs
export default cjs
