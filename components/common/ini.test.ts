import { renderIni } from "./ini";

describe("renderIni", () => {
  it("writes `key = value` lines under each header, a blank line between sections", () => {
    expect(
      renderIni([
        { name: "profile runner", entries: [["region", "eu-central-1"]] },
        {
          name: "auth.anonymous",
          entries: [
            ["enabled", "false"],
            ["root_url", "http://monitoring-01.lab.example.com:3000/"],
          ],
        },
      ]),
    ).toBe(
      "[profile runner]\nregion = eu-central-1\n\n[auth.anonymous]\nenabled = false\nroot_url = http://monitoring-01.lab.example.com:3000/\n",
    );
  });

  it("refuses values that would break a line", () => {
    expect(() => renderIni([{ name: "s", entries: [["key", "a\nb"]] }])).toThrow(
      'ini: entry "key" in [s] must be a plain key with a one-line value',
    );
    expect(() => renderIni([{ name: "a]b", entries: [] }])).toThrow(
      'ini: section name "a]b" must be one line without "]"',
    );
  });

  it("refuses values ini would quote or escape, which the readers would take literally", () => {
    for (const value of ["a=b", "a;b", "a#b", '"a"', " a"]) {
      expect(() => renderIni([{ name: "s", entries: [["key", value]] }])).toThrow(
        'ini: value of "key" in [s] must not hold = ; # quotes or outer spaces, which ini would quote or escape',
      );
    }
  });

  it("refuses a key twice in one section", () => {
    expect(() =>
      renderIni([
        {
          name: "s",
          entries: [
            ["key", "a"],
            ["key", "b"],
          ],
        },
      ]),
    ).toThrow('ini: entry "key" appears twice in [s]');
  });
});
