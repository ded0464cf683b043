/**
 * INI files for readers that take every value literally: the AWS SDKs' shared config
 * (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html) and Grafana's `grafana.ini`
 * (https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/). Written by `ini`, which would quote a
 * value holding `=` or quotes and escape `;` and `#` for its own parser; these readers would keep the quotes and the
 * backslashes, so such a value is refused instead, as is anything that would break a line or a section header.
 */
import { safe, stringify } from "ini";

/** One section of an INI file. */
export interface IniSection {
  /** Section name, without brackets. */
  readonly name: string;
  /** Key/value pairs in order; each key once. */
  readonly entries: readonly (readonly [string, string])[];
}

/** Serializes INI sections as `key = value` lines, a blank line between sections, `\n` line ends on every host. */
export function renderIni(sections: readonly IniSection[]): string {
  return sections
    .map((section) => {
      if (/[\r\n\]]/.test(section.name) || section.name.length === 0) {
        throw new Error(`ini: section name ${JSON.stringify(section.name)} must be one line without "]"`);
      }
      const keys = new Set<string>();
      for (const [key, value] of section.entries) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /[\r\n]/.test(value)) {
          throw new Error(
            `ini: entry ${JSON.stringify(key)} in [${section.name}] must be a plain key with a one-line value`,
          );
        }
        if (safe(value) !== value) {
          throw new Error(
            `ini: value of ${JSON.stringify(key)} in [${section.name}] must not hold = ; # quotes or outer spaces, which ini would quote or escape`,
          );
        }
        if (keys.has(key)) throw new Error(`ini: entry ${JSON.stringify(key)} appears twice in [${section.name}]`);
        keys.add(key);
      }
      const body = stringify(Object.fromEntries(section.entries), { whitespace: true, platform: "linux" });
      return `[${section.name}]\n${body}`;
    })
    .join("\n");
}
