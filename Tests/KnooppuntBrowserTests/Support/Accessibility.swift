import StrictJSON

/// WCAG 2.1 AA rules checked in the page itself, by script over the live DOM, as an
/// accessibility engine would (axe-core cannot be installed here: no npm registry). Each rule
/// names the success criterion it stands for:
/// - 3.1.1 the page has a `lang`;
/// - 2.4.2 the page has a title; 1.3.1 one `h1`, no heading level skipped;
/// - 4.1.2 every control, button, link and `role` widget has an accessible name, and every
///   `aria-labelledby`/`aria-describedby` points at an element that exists; ids are unique;
/// - 2.1.1 / 2.4.3 everything operable is reachable by keyboard (native, or `tabindex="0"`),
///   and no positive `tabindex` reorders the focus;
/// - 1.4.3 text contrast at least 4.5:1 (3:1 for large text) against the first opaque
///   background behind it (text on images or gradients is left out: the script cannot know
///   the colour there).
enum Accessibility {
    /// The problems found on the current page, one line each; empty when it passes.
    static func problems(_ browser: Browser) async throws -> [String] {
        let answer = try await browser.run(script)
        return answer.arrayValue?.compactMap(\.stringValue) ?? ["the accessibility script returned \(answer)"]
    }

    static let script = #"""
        const problems = [];
        const visible = (node) => {
          const style = getComputedStyle(node);
          if (style.display === "none" || style.visibility === "hidden") return false;
          const box = node.getBoundingClientRect();
          return box.width > 0 || box.height > 0;
        };
        const where = (node) => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "") +
          (node.className && typeof node.className === "string" ? "." + node.className.split(" ").join(".") : "");
        if (!document.documentElement.lang) problems.push("3.1.1 html has no lang");
        if (!document.title.trim()) problems.push("2.4.2 the page has no title");
        const headings = [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")];
        if (headings.filter((h) => h.tagName === "H1").length !== 1) problems.push("1.3.1 not exactly one h1");
        let previous = 0;
        for (const h of headings) {
          const level = Number(h.tagName[1]);
          if (previous && level > previous + 1) problems.push("1.3.1 heading skips a level: " + where(h) + " " + h.textContent.trim().slice(0, 40));
          previous = level;
        }
        const ids = {};
        for (const node of document.querySelectorAll("[id]")) {
          if (ids[node.id]) problems.push("4.1.1 duplicate id " + node.id);
          ids[node.id] = true;
        }
        for (const node of document.querySelectorAll("[aria-labelledby],[aria-describedby]")) {
          for (const attribute of ["aria-labelledby", "aria-describedby"]) {
            for (const id of (node.getAttribute(attribute) || "").split(/\s+/).filter(Boolean)) {
              if (!document.getElementById(id)) problems.push("4.1.2 " + attribute + " points at no element: " + where(node));
            }
          }
        }
        const name = (node) => {
          if ((node.getAttribute("aria-label") || "").trim()) return true;
          const by = (node.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean);
          if (by.some((id) => document.getElementById(id) && document.getElementById(id).textContent.trim())) return true;
          if (node.id && document.querySelector('label[for="' + CSS.escape(node.id) + '"]')) return true;
          if (node.closest("label")) return true;
          if ((node.getAttribute("title") || "").trim()) return true;
          const tag = node.tagName.toLowerCase();
          if (["button", "a", "summary"].includes(tag) || node.getAttribute("role") === "button") {
            if (node.textContent.trim()) return true;
            if (node.querySelector("title") && node.querySelector("title").textContent.trim()) return true;
          }
          if (tag === "input" && ["submit", "button", "reset"].includes(node.type) && node.value) return true;
          return false;
        };
        const operable = [...document.querySelectorAll(
          "a[href],button,input:not([type=hidden]),select,textarea,summary,[role=button],[role=link],[role=checkbox],[tabindex]")];
        for (const node of operable) {
          if (!visible(node) && node.tagName.toLowerCase() !== "circle") continue;
          if (node.hasAttribute("tabindex") && Number(node.getAttribute("tabindex")) > 0) {
            problems.push("2.4.3 positive tabindex reorders focus: " + where(node));
          }
          if (node.matches("[tabindex]") && !node.matches("a[href],button,input,select,textarea,summary,[role]")) continue;
          if (!name(node)) problems.push("4.1.2 no accessible name: " + where(node));
          const native = node.matches("a[href],button,input,select,textarea,summary");
          if (!native && node.tabIndex < 0 && !node.disabled) problems.push("2.1.1 not reachable by keyboard: " + where(node));
        }
        const parse = (text) => {
          let m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(text);
          if (m) return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
          m = /^color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)$/.exec(text);
          if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : Number(m[4])];
          return null;
        };
        const luminance = (c) => {
          const [r, g, b] = c.slice(0, 3).map((v) => {
            v = v / 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const background = (node) => {
          for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
            const style = getComputedStyle(n);
            if (style.backgroundImage && style.backgroundImage !== "none") return null;
            const c = parse(style.backgroundColor);
            if (c === null) return null;
            if (c[3] >= 0.99) return c;
            if (c[3] > 0.01) return null;
          }
          return [255, 255, 255, 1];
        };
        let checked = 0;
        const seen = new Set();
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const text = walker.currentNode;
          const node = text.parentElement;
          if (!text.textContent.trim() || !node || seen.has(node) || node.closest("svg,script,style,option")) continue;
          seen.add(node);
          if (!visible(node)) continue;
          const style = getComputedStyle(node);
          const fg = parse(style.color);
          const bg = background(node);
          if (!fg || !bg || fg[3] < 0.99) continue;
          const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
          const ratio = (a + 0.05) / (b + 0.05);
          const size = parseFloat(style.fontSize);
          const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
          checked += 1;
          if (ratio < (large ? 3 : 4.5)) {
            problems.push("1.4.3 contrast " + ratio.toFixed(2) + ":1 for " + where(node) + " \"" + text.textContent.trim().slice(0, 30) + "\"");
          }
        }
        if (checked === 0) problems.push("1.4.3 no text was checked for contrast");
        return problems;
        """#
}
