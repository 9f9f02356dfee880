import packageJson from "../../package.json" with { type: "json" };

/** Folkmoot's version, as package.json says: NodeInfo, the User-Agent, the API description. */
export const SOFTWARE_VERSION: string = packageJson.version;
