import Hummingbird

/// The scripts, style sheets and pages of every screen, as files in `Resources/` that SwiftPM
/// embeds in the binary (`PackageResources`): a copied release binary serves its pages without
/// the source tree, and the files stay in reach of linters (`scripts/lint-web.sh`).
enum WebAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let type: String
    }

    static let script = "text/javascript; charset=utf-8"
    static let styleSheet = "text/css; charset=utf-8"
    static let page = "text/html; charset=utf-8"

    /// Every asset by the name it is served under (`/assets/<name>`) or read as a template.
    static let files: [String: Asset] = [
        "common.js": Asset(bytes: PackageResources.common_js, type: script),
        "desk.js": Asset(bytes: PackageResources.desk_js, type: script),
        "map.js": Asset(bytes: PackageResources.map_js, type: script),
        "screen.js": Asset(bytes: PackageResources.screen_js, type: script),
        "screen-incident.js": Asset(bytes: PackageResources.screen_incident_js, type: script),
        "screen-threat.js": Asset(bytes: PackageResources.screen_threat_js, type: script),
        "screen-map.js": Asset(bytes: PackageResources.screen_map_js, type: script),
        "desk-signals.js": Asset(bytes: PackageResources.desk_signals_js, type: script),
        "signals.js": Asset(bytes: PackageResources.signals_js, type: script),
        "signals.css": Asset(bytes: PackageResources.signals_css, type: styleSheet),
        "signals.html": Asset(bytes: PackageResources.signals_html, type: page),
        "login.js": Asset(bytes: PackageResources.login_js, type: script),
        "knooppunt.css": Asset(bytes: PackageResources.knooppunt_css, type: styleSheet),
        "print.css": Asset(bytes: PackageResources.print_css, type: styleSheet),
        "desk.html": Asset(bytes: PackageResources.desk_html, type: page),
        "screen.html": Asset(bytes: PackageResources.screen_html, type: page),
        "login.html": Asset(bytes: PackageResources.login_html, type: page),
        // Drawn from the reference data's boundaries, not a file.
        "map.svg": Asset(
            bytes: Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + RegionMap.netherlands.svg).utf8),
            type: "image/svg+xml"),
        // The source of the municipalities' outlines (read by `MunicipalityMap`, not served).
        "municipalities.geojson": Asset(
            bytes: PackageResources.municipalities_geojson, type: "application/geo+json"),
        // The municipalities' outlines and centres in the map's coordinates (`MunicipalityMap`).
        "municipalities.json": Asset(
            bytes: MunicipalityMap.netherlands.json, type: "application/json; charset=utf-8"),
    ]

    /// The text of an asset; a name that is not in ``files`` is a programmer error.
    static func text(_ name: String) -> String {
        guard let asset = files[name] else { preconditionFailure("no web asset \(name)") }
        return String(decoding: asset.bytes, as: UTF8.self)
    }

    /// Serves `GET /assets/<name>` for each of `names`: each server registers the assets its
    /// own pages load (the desk `desk.js`, the operator screen `screen.js`, the login page
    /// `login.js`, the report `print.css`), and nothing else.
    static func add<Context: RequestContext>(_ names: [String], to router: Router<Context>) {
        for name in names {
            guard let asset = files[name] else { preconditionFailure("no web asset \(name)") }
            router.get("assets/\(name)") { _, _ in HTTPReply.bytes(asset.bytes, type: asset.type) }
        }
    }
}
