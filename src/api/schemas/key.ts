import { Type } from "@sinclair/typebox";
import { SCOPES } from "../scopes";
import { Page, Timestamp } from "./common";

export const ScopeSchema = Type.Union(
  SCOPES.map((s) => Type.Literal(s)),
  { $id: "Scope", description: "read < run < admin; a scope implies those below it." },
);

/** POST /keys body. */
export const CreateKeyBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
  },
  { additionalProperties: false, $id: "CreateApiKey" },
);

const keyFields = {
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: "The key's first characters, to recognise it; the key itself is never shown again." }),
  scopes: Type.Array(Type.String()),
  createdAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  lastUsedAt: Type.Union([Timestamp, Type.Null()]),
};

export const ApiKeySchema = Type.Object(keyFields, { $id: "ApiKey" });
export const CreatedApiKeySchema = Type.Object(
  { ...keyFields, key: Type.String({ description: "The secret key: shown in this response only." }) },
  { $id: "CreatedApiKey" },
);
export const ApiKeyPageSchema = Page(ApiKeySchema, "ApiKeyPage");
