import { Type } from "@sinclair/typebox";
import { InputMappingSchema } from "../input-mapping";
import { MAX_ROTATION_GRACE_S } from "../signing-secrets";
import { Page, Timestamp } from "./common";

/** POST /graphs/:id/hooks body (optional: an empty body creates a hook whose input is the delivery body). */
export const CreateHookBodySchema = Type.Object({ inputMapping: Type.Optional(InputMappingSchema) }, { additionalProperties: false, $id: "CreateHook" });

const hookFields = {
  id: Type.String(),
  graphId: Type.String(),
  url: Type.String({ format: "uri", description: "Where senders POST deliveries (absolute)." }),
  createdAt: Timestamp,
  rotatedAt: Type.Union([Timestamp, Type.Null()]),
  previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], { description: "Until when the secret before the last rotation is still accepted." }),
  inputMapping: Type.Optional(InputMappingSchema),
};

export const HookSchema = Type.Object(hookFields, { $id: "Hook" });
export const CreatedHookSchema = Type.Object(
  { ...hookFields, secret: Type.String({ description: "The signing secret: shown in this response only. Use its UTF-8 bytes as the HMAC key." }) },
  { $id: "CreatedHook" },
);
export const HookPageSchema = Page(HookSchema, "HookPage");

/** POST /hooks/:hookId/rotate body (optional). */
export const RotateSecretBodySchema = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_ROTATION_GRACE_S, description: "How long the old secret stays valid beside the new one (default 86400; 0 = revoke it now)." }),
    ),
  },
  { additionalProperties: false, $id: "RotateSecret" },
);

/** POST /hooks/:hookId answers. */
export const DeliveryResultSchema = Type.Object(
  { runId: Type.String(), status: Type.String({ description: "The run's status when answered (PENDING, PROCESSING…)." }) },
  { $id: "HookDelivery" },
);

/** The headers a delivery carries. */
export const DeliveryHeadersSchema = Type.Object({
  "Weft-Signature": Type.String({ description: "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>[,v1=…]" }),
  "Weft-Delivery": Type.Optional(Type.String({ description: "The delivery's id: a repeated delivery answers 200 with the first run." })),
  "Idempotency-Key": Type.Optional(Type.String({ description: "Taken as the delivery id when Weft-Delivery is absent." })),
});
