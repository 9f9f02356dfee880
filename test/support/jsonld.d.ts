// The jsonld package ships no types; only the tests use it directly (through @fedify/vocab-runtime/jsonld), to expand documents.
declare module "jsonld";
