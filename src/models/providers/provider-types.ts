import type { ModelRequest, ModelResponse } from "../../tasks/model-call.ts";
import type { ModelConfig } from "../model-config.ts";

/**
 * The provider layer's contract: one request to one model, one response or one ProviderError
 * (the request, response and error types are the task engine's: src/tasks/model-call.ts).
 * A ModelClient serves the models of one provider (src/models/providers/create-model-client.ts
 * picks it by the provider's type).
 */
export {
  isProviderError,
  type ModelRequest,
  type ModelResponse,
  ProviderError,
  type ProviderErrorKind,
  type ProviderErrorOptions,
  scrubSecret,
} from "../../tasks/model-call.ts";

export interface ModelClient {
  call(model: ModelConfig, request: ModelRequest): Promise<ModelResponse>;
}
