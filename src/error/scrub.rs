//! A request's own secrets removed from an error, when a server echoes them back.

use super::Error;
use super::decode::DecodeError;
use super::excerpt::{EXCERPT_LEN, shorten};
use super::oauth::{OAuthError, OAuthErrorCode};
use super::response::{HttpError, PolarError, ValidationError, ValidationIssue};
use super::transport::TransportError;
use crate::redact::Redactor;

impl Error {
    /// Apply `scrub` to every text this error holds that came from the server or the network
    /// (descriptions, excerpts, messages, header values). The client uses it to remove the exact
    /// secrets a request carried when a hostile or buggy server echoes them back.
    pub(crate) fn map_text(self, scrub: impl Fn(&str) -> String) -> Self {
        let opt = |s: Option<String>| s.map(|s| scrub(&s));
        match self {
            Error::OAuth(e) => Error::OAuth(OAuthError {
                code: match e.code {
                    OAuthErrorCode::Extension(c) => OAuthErrorCode::Extension(scrub(&c)),
                    known => known,
                },
                description: opt(e.description),
                uri: opt(e.uri),
                www_authenticate: opt(e.www_authenticate),
                ..e
            }),
            Error::Validation(e) => Error::Validation(ValidationError {
                status: e.status,
                detail: e
                    .detail
                    .into_iter()
                    .map(|i| ValidationIssue {
                        loc: i.loc.iter().map(|l| scrub(l)).collect(),
                        msg: scrub(&i.msg),
                        kind: scrub(&i.kind),
                    })
                    .collect(),
            }),
            Error::Http(e) => Error::Http(HttpError {
                content_type: opt(e.content_type),
                // A cut secret at the end may come back a little longer: cut again.
                excerpt: shorten(scrub(&e.excerpt), EXCERPT_LEN),
                ..e
            }),
            Error::Polar(e) => Error::Polar(PolarError {
                error: opt(e.error).map(|s| shorten(s, EXCERPT_LEN)),
                detail: shorten(scrub(&e.detail), EXCERPT_LEN),
                ..e
            }),
            Error::Decode(e) => Error::Decode(DecodeError {
                path: shorten(scrub(&e.path), EXCERPT_LEN),
                message: scrub(&e.message),
                excerpt: shorten(scrub(&e.excerpt), EXCERPT_LEN),
                ..e
            }),
            Error::Transport(e) => Error::Transport(TransportError {
                message: scrub(&e.message),
                ..e
            }),
            Error::Timeout(e) => Error::Timeout(e),
            Error::InvalidRequest(m) => Error::InvalidRequest(scrub(&m)),
        }
    }
}

impl Redactor {
    /// `error` with every text that came from the server scrubbed.
    pub(crate) fn scrub_error(&self, error: Error) -> Error {
        error.map_text(|t| self.scrub_str(t).into_owned())
    }
}
