//! The dashboard's pages by path: which of its two apps owns a path, where to return after
//! signing in, and the inbox's reading of the address bar.
//!
//! The dashboard ships as two WASM apps so that agents, who open the inbox all day, never
//! download the settings pages: the inbox app (`/`, `/login`, `/conversations/{id}`,
//! `/clients/{id}`) and the settings app (`/settings/…`, `/setup`, `/invitations/{token}`, `/reset-password/{token}`).
//! Each routes its own paths with `leptos_router` and reaches the other's with a page load.

/// One of the two dashboard apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Inbox,
    Settings,
}

impl App {
    /// The app that shows `path` (a path from the site's root, query and fragment allowed).
    /// Anything unknown is the inbox's (its "page not found").
    pub fn for_path(path: &str) -> Self {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/settings")
            || under("/setup")
            || under("/invitations")
            || under("/reset-password")
        {
            Self::Settings
        } else {
            Self::Inbox
        }
    }
}

/// The login page, coming back to `here` afterwards (nothing to come back to from the inbox's
/// home or the login page itself).
pub fn login_path(here: &str) -> String {
    match here {
        "" | "/" | "/login" => "/login".to_owned(),
        here => format!("/login?next={}", crate::query::encode_component(here)),
    }
}

/// Where to go after signing in: the login page's `next` (from its query string, with or without
/// the `?`) when it is a path on this site, else the inbox. An address elsewhere (`//evil.example`,
/// `https://…`, `/\evil.example`) is never followed.
pub fn return_path(search: &str) -> String {
    let next = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("next="))
        .map(|v| percent_decode(&v.replace('+', " ")));
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && !next.chars().any(char::is_control) =>
        {
            next
        }
        _ => "/".to_owned(),
    }
}

/// What the address bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Login,
    /// The inbox, with a conversation open or not.
    Inbox {
        open: Option<String>,
    },
    /// One client's page: details, profile, mentions, duplicates, every conversation.
    Client {
        id: String,
    },
}

impl Route {
    pub fn parse(path: &str) -> Self {
        let path = path.trim_end_matches('/');
        if path == "/login" {
            return Self::Login;
        }
        let segment = |prefix: &str| {
            path.strip_prefix(prefix)
                .filter(|id| !id.is_empty() && !id.contains('/'))
                .map(percent_decode)
        };
        if let Some(id) = segment("/clients/") {
            return Self::Client { id };
        }
        Self::Inbox {
            open: segment("/conversations/"),
        }
    }

    pub fn path(&self) -> String {
        match self {
            Self::Login => "/login".to_owned(),
            Self::Inbox { open: None } => "/".to_owned(),
            Self::Inbox { open: Some(id) } => {
                format!("/conversations/{}", crate::query::encode_component(id))
            }
            Self::Client { id } => format!("/clients/{}", crate::query::encode_component(id)),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = || std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok();
        match (bytes[i], hex().and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_path_belongs_to_one_app() {
        for path in [
            "/",
            "/login",
            "/conversations/cv_1",
            "/clients/cl_1",
            "/nowhere",
            "/settingsx",
            "/setup-guide",
        ] {
            assert_eq!(App::for_path(path), App::Inbox, "{path}");
        }
        for path in [
            "/settings",
            "/settings/widget",
            "/settings/assistants/as_1",
            "/setup",
            "/setup?x=1",
            "/invitations/abc",
            "/reset-password/abc#top",
        ] {
            assert_eq!(App::for_path(path), App::Settings, "{path}");
        }
    }

    #[test]
    fn signing_in_returns_where_the_teammate_was() {
        assert_eq!(login_path("/"), "/login");
        assert_eq!(login_path("/login"), "/login");
        let login = login_path("/settings/assistants/as 1");
        assert_eq!(login, "/login?next=%2Fsettings%2Fassistants%2Fas%201");
        let search = login.split_once('?').unwrap().1;
        assert_eq!(return_path(search), "/settings/assistants/as 1");
        assert_eq!(
            return_path("?next=%2Fconversations%2Fcv_1"),
            "/conversations/cv_1"
        );
        assert_eq!(return_path(""), "/");
        assert_eq!(return_path("?other=1"), "/");
    }

    #[test]
    fn signing_in_never_leaves_the_site() {
        for evil in [
            "next=https%3A%2F%2Fevil.example",
            "next=%2F%2Fevil.example",
            "next=%2F%5Cevil.example",
            "next=evil.example",
            "next=%2F%0Aevil",
            "next=javascript%3Aalert(1)",
        ] {
            assert_eq!(return_path(evil), "/", "{evil}");
        }
    }

    #[test]
    fn paths_name_pages() {
        assert_eq!(Route::parse("/login"), Route::Login);
        assert_eq!(Route::parse("/"), Route::Inbox { open: None });
        assert_eq!(Route::parse("/dashboard/"), Route::Inbox { open: None });
        let open = Route::parse("/conversations/cv_1");
        assert_eq!(
            open,
            Route::Inbox {
                open: Some("cv_1".into())
            }
        );
        assert_eq!(open.path(), "/conversations/cv_1");
        assert_eq!(
            Route::parse("/conversations/a%20b"),
            Route::Inbox {
                open: Some("a b".into())
            }
        );
    }

    #[test]
    fn a_client_has_a_page() {
        let client = Route::parse("/clients/cl_1");
        assert_eq!(client, Route::Client { id: "cl_1".into() });
        assert_eq!(client.path(), "/clients/cl_1");
        assert_eq!(Route::parse("/clients/cl_1/"), client);
        let odd = Route::Client { id: "a b/c".into() };
        assert_eq!(odd.path(), "/clients/a%20b%2Fc");
        assert_eq!(Route::parse(&odd.path()), odd);
        // No id, or more than one segment: not a client's page.
        assert_eq!(Route::parse("/clients/"), Route::Inbox { open: None });
        assert_eq!(Route::parse("/clients/a/b"), Route::Inbox { open: None });
        assert_eq!(Route::parse("/clients"), Route::Inbox { open: None });
    }
}
