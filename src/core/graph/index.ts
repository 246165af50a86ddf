export * from "./dataflow-id";
export * from "./schema";
export * from "./validate";
