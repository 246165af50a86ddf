import { Type } from "@sinclair/typebox";
import { Page, Timestamp } from "./common";

export const MAX_ENDPOINT_TIMEOUT_MS = 60_000;
export const DEFAULT_ENDPOINT_TIMEOUT_MS = 30_000;
/** Lower-case letters, digits and dashes, starting with a letter or digit: safe in a URL as is. */
export const SLUG_PATTERN = "^[a-z0-9][a-z0-9-]{0,62}$";

export const EndpointAuthSchema = Type.Union([Type.Literal("public"), Type.Literal("api-key"), Type.Literal("hmac")], {
  $id: "EndpointAuth",
  description: "public: anyone; api-key: Bearer key with the run scope; hmac: Weft-Signature with the endpoint's secret.",
});

/** PUT /endpoints/:slug body. */
export const PutEndpointBodySchema = Type.Object(
  {
    graphId: Type.String({ minLength: 1, maxLength: 64 }),
    auth: EndpointAuthSchema,
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: MAX_ENDPOINT_TIMEOUT_MS, default: DEFAULT_ENDPOINT_TIMEOUT_MS })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false, $id: "PutEndpoint" },
);

const endpointFields = {
  slug: Type.String({ pattern: SLUG_PATTERN }),
  graphId: Type.String(),
  auth: EndpointAuthSchema,
  timeoutMs: Type.Integer(),
  description: Type.Union([Type.String(), Type.Null()]),
  url: Type.String({ format: "uri", description: "Where callers POST (absolute)." }),
  schemaUrl: Type.String({ format: "uri", description: "The input's JSON Schema." }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()]),
};

export const EndpointSchema = Type.Object(endpointFields, { $id: "Endpoint" });
export const PutEndpointResultSchema = Type.Object(
  {
    ...endpointFields,
    secret: Type.Optional(Type.String({ description: "hmac only, when a secret was just generated: shown in this response only." })),
  },
  { $id: "PutEndpointResult" },
);
export const EndpointPageSchema = Page(EndpointSchema, "EndpointPage");

/** POST /endpoints/:slug success: the run's merged output, as is. */
export const EndpointOutputSchema = Type.Unknown({ description: "The run's merged output (SPEC §2 merge strategies)." });
