//! URL paths as the harness reads them: the one place that takes a path out of a URL, decodes
//! percent-escapes and compares two paths the way the contract does (O14).

/// The path of an absolute URL, with its query (empty when it has none); a path stays itself.
pub fn url_path(url: &str) -> &str {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    }
}

/// `s` with every `%XX` escape decoded; an escape that is not one stays as written, and bytes
/// that are not UTF-8 become U+FFFD.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether `value` (a path, or an absolute URL) names `path`: equal, or an absolute URL whose
/// path is it; compared case-insensitively after percent-decoding (O14).
pub fn same_path(value: &str, path: &str) -> bool {
    let norm = |s: &str| percent_decode(s).to_lowercase();
    let value = norm(value);
    let path = norm(path);
    if value == path {
        return true;
    }
    value.contains("://") && url_path(&value) == path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_of_a_url() {
        assert_eq!(url_path("https://host/mpsd"), "/mpsd");
        assert_eq!(url_path("http://127.0.0.1:8080"), "");
        assert_eq!(url_path("http://h/a/b?c=1"), "/a/b?c=1");
        assert_eq!(url_path("/already/a/path"), "/already/a/path");
    }

    #[test]
    fn percent_decoding_handles_edges() {
        assert_eq!(percent_decode("%41b%2f"), "Ab/");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%E2%82%AC"), "€");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn paths_compare_decoded_and_without_case() {
        assert!(same_path("/A%2Fb", "/a/B"));
        assert!(same_path("https://h:1/a/b", "/a/b"));
        assert!(!same_path("https://h:1/x/a/b", "/a/b"));
        assert!(!same_path("a/b", "/a/b"));
    }
}
