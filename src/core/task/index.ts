export * from "./define-task";
export * from "./errors";
export * from "./registry";
