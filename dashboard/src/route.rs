//! The dashboard's pages by path. Three pages do not need a router crate.

/// What the address bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Login,
    /// The inbox, with a conversation open or not.
    Inbox {
        open: Option<String>,
    },
}

impl Route {
    pub fn parse(path: &str) -> Self {
        let path = path.trim_end_matches('/');
        if path == "/login" {
            return Self::Login;
        }
        let open = path
            .strip_prefix("/conversations/")
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .map(percent_decode);
        Self::Inbox { open }
    }

    pub fn path(&self) -> String {
        match self {
            Self::Login => "/login".to_owned(),
            Self::Inbox { open: None } => "/".to_owned(),
            Self::Inbox { open: Some(id) } => {
                format!("/conversations/{}", crate::query::encode_component(id))
            }
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
}
