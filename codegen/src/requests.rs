//! Rewrites of progenitor's request building in every generated operation method: the work
//! each call repeats that has the same result every time (issue 15).
//!
//! - **The URL.** progenitor writes `let url = format!("{}/v1/oauth2/token", self.baseurl,);`,
//!   which reqwest then parses (`Url::parse`, about 7,000 instructions, more than any other
//!   client-side step of a token request). For a path without parameters the URL is the same
//!   on every call, so it becomes `let url = self.inner.url(N, "/v1/oauth2/token");`: a clone
//!   of the URL parsed once when the client was built, the `N`th of [`STATIC_PATHS_CONST`].
//!   A path with parameters, `format!("{}/v1/oauth2/register/{}", self.baseurl,
//!   encode_path(&client_id.to_string()),)`, becomes `self.inner.url_from(&["/v1/oauth2/register/",
//!   ""], &[&crate::client::encode_path_segment(client_id)])` (an error, returned before
//!   sending, for a parameter that is empty or a dot segment): the same encoded pieces
//!   ([`ENCODE_FN`] encodes what `encode_path` encodes, and borrows a `&str` parameter that
//!   needs none), joined as the path of a clone of the parsed base URL (only the path is
//!   parsed, not the scheme and host).
//! - **`api-version`.** progenitor adds the spec's `info.version` as an `api-version` header to
//!   every request, which Polar's server ignores (the hooks used to remove it again). It is not
//!   built, and a header map left empty is not built either.
//! - **`Authorization`.** progenitor appends a header parameter as
//!   `header_map.append("Authorization", value.to_string().try_into()?)`: the name parsed from a
//!   string and the value copied twice. It becomes the `AUTHORIZATION` constant and one
//!   `HeaderValue::try_from(value)?` (same error on a bad value). When it is the map's only
//!   header, it is appended to the built request and no map is built (reqwest's `.headers(map)`
//!   merges entry by entry).
//! - **`Accept`.** The builder's `.header(ACCEPT, HeaderValue::from_static(…))` becomes
//!   `request.headers_mut().append(…)` on the built request (the same header, without the
//!   builder's generic conversions).
//! - **The response.** `ResponseValue::from_response(response).await` becomes
//!   [`DECODE_FN`]`(response).await`: the same decode (the body read whole, then `serde_json`),
//!   which also holds the request's in-flight place until the body is read (the hooks pass it
//!   along in the response) and moves the headers into the `ResponseValue` rather than copying
//!   them; `ResponseValue::empty(response)` (a `204`) becomes [`EMPTY_FN`]`(response)`, which
//!   moves them too.
//!
//! Each rewrite matches the exact shape progenitor 0.15 emits and leaves anything else alone: a
//! progenitor that emits another shape still generates a working client, only a slower one
//! (and one that sends `api-version`). `codegen/tests/documents.rs` checks, on every vendored
//! document, that no method was left unrewritten, so such a progenitor fails CI, not a build.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Expr, ImplItem, Item, Lit, Pat, Stmt, Token};

/// The name of the generated constant listing the paths whose URLs the hooks parse once.
pub const STATIC_PATHS_CONST: &str = "STATIC_PATHS";

/// The library's function that decodes a successful JSON response into a `ResponseValue`, in
/// place of progenitor's `ResponseValue::from_response`.
pub const DECODE_FN: &str = "crate::client::decode";

/// The library's percent-encoding of one path parameter (progenitor's `encode_path` set), which
/// borrows a value that needs no encoding instead of copying it.
pub const ENCODE_FN: &str = "crate::client::encode_path_segment";

/// The library's function for a response without a body (`204`), in place of progenitor's
/// `ResponseValue::empty`.
pub const EMPTY_FN: &str = "crate::client::empty";

/// What [`rewrite`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rewritten {
    /// Paths without parameters, in index order (the generated [`STATIC_PATHS_CONST`]).
    pub static_paths: Vec<String>,
    /// Operation methods whose URL is now cloned rather than formatted and parsed.
    pub cached_urls: usize,
    /// Operation methods whose URL (a path with parameters) is now the base URL with its path
    /// set, rather than formatted and parsed whole.
    pub joined_urls: usize,
    /// `api-version` headers no longer built.
    pub api_version_headers: usize,
    /// `Authorization` header parameters appended without the copies.
    pub authorization_headers: usize,
    /// Responses decoded by [`DECODE_FN`] or [`EMPTY_FN`].
    pub decoded_responses: usize,
    /// Header maps of one optional header, appended to the built request instead.
    pub inlined_header_maps: usize,
    /// Constant headers (`Accept`) appended to the built request instead of by the builder.
    pub static_headers: usize,
}

/// Rewrite the operation methods of the generated `impl Client` blocks and append the
/// [`STATIC_PATHS_CONST`] constant the hooks read.
pub fn rewrite(file: &mut syn::File) -> Result<Rewritten, String> {
    let mut done = Rewritten::default();
    for item in &mut file.items {
        let Item::Impl(block) = item else { continue };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for item in &mut block.items {
            if let ImplItem::Fn(method) = item
                && method.sig.asyncness.is_some()
            {
                let str_params = str_params(&method.sig);
                rewrite_stmts(&mut method.block.stmts, &str_params, &mut done)?;
            }
        }
    }
    let paths: Vec<String> = done.static_paths.iter().map(|p| format!("{p:?}")).collect();
    let constant = format!(
        "/// Paths of the operations without path parameters. `crate::client::Hooks` parses each\n\
         /// against the base URL once, when the client is built, and `url(i)` hands out a clone of\n\
         /// the `i`th: no request formats or parses its URL.\n\
         pub const {STATIC_PATHS_CONST}: &[&str] = &[{}];",
        paths.join(", ")
    );
    let constant = syn::parse_str::<Item>(&constant).map_err(|e| e.to_string())?;
    file.items.push(constant);
    Ok(done)
}

/// The method's parameters of type `&str`.
fn str_params(sig: &syn::Signature) -> Vec<String> {
    sig.inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(typed) => {
                let is_str = matches!(&*typed.ty, syn::Type::Reference(r)
                    if matches!(&*r.elem, syn::Type::Path(p) if p.path.is_ident("str")));
                match &*typed.pat {
                    Pat::Ident(p) if is_str => Some(p.ident.to_string()),
                    _ => None,
                }
            }
            syn::FnArg::Receiver(_) => None,
        })
        .collect()
}

fn rewrite_stmts(
    stmts: &mut Vec<Stmt>,
    str_params: &[String],
    done: &mut Rewritten,
) -> Result<(), String> {
    let before = stmts.len();
    stmts.retain(|stmt| !is_api_version_append(stmt));
    let removed = before - stmts.len();
    done.api_version_headers += removed;
    for stmt in stmts.iter_mut() {
        match stmt {
            Stmt::Local(local) => {
                let Some(init) = &mut local.init else {
                    continue;
                };
                if pat_is(&local.pat, "url")
                    && let Some((pieces, args)) = url_format(&init.expr)
                {
                    *init.expr = parse_expr(&url_code(&pieces, &args, str_params, done))?;
                } else if removed > 0 && pat_is(&local.pat, "header_map") {
                    shrink_capacity(&mut init.expr, removed)?;
                }
            }
            Stmt::Expr(Expr::Match(choice), None) => {
                for arm in &mut choice.arms {
                    if rewrite_decode(&mut arm.body)? {
                        done.decoded_responses += 1;
                    }
                }
            }
            Stmt::Expr(Expr::If(branch), _) => {
                for inner in &mut branch.then_branch.stmts {
                    if let Some(rewritten) = authorization_append(inner)? {
                        *inner = rewritten;
                        done.authorization_headers += 1;
                    }
                }
            }
            _ => {}
        }
    }
    if removed > 0 {
        drop_empty_header_map(stmts);
    }
    if inline_single_header(stmts)? {
        done.inlined_header_maps += 1;
    }
    done.static_headers += append_static_headers(stmts)?;
    Ok(())
}

/// `.header(NAME, HeaderValue::from_static(…))` in the request's builder chain -> appended to
/// the built request (`request.headers_mut().append(…)`, what the builder does, without its
/// generic conversions: about 250 instructions less per header).
fn append_static_headers(stmts: &mut Vec<Stmt>) -> Result<usize, String> {
    let Some(request) = stmts
        .iter()
        .position(|s| matches!(s, Stmt::Local(l) if pat_is(&l.pat, "request")))
    else {
        return Ok(0);
    };
    let mut headers = Vec::new();
    if let Stmt::Local(local) = &mut stmts[request]
        && let Some(init) = &mut local.init
    {
        take_static_headers(&mut init.expr, &mut headers);
    }
    for (i, (name, value)) in headers.iter().enumerate() {
        let code = format!("request.headers_mut().append({name}, {value});");
        let stmt = syn::parse_str::<Stmt>(&code).map_err(|e| format!("{code}: {e}"))?;
        stmts.insert(request + 1 + i, stmt);
    }
    Ok(headers.len())
}

/// Remove `.header(NAME, HeaderValue::from_static(…))` calls from a builder chain (up to
/// `.build()?`), collecting them in order.
fn take_static_headers(expr: &mut Expr, found: &mut Vec<(String, String)>) {
    match expr {
        Expr::Try(tried) => take_static_headers(&mut tried.expr, found),
        Expr::MethodCall(call) => {
            let is_static = call.method == "header"
                && call.args.len() == 2
                && matches!(call.args.first(), Some(Expr::Path(_)))
                && matches!(call.args.get(1), Some(Expr::Call(value))
                    if matches!(&*value.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "from_static")));
            if is_static {
                let name = call.args.first().map(|a| a.to_token_stream().to_string());
                let value = call.args.get(1).map(|a| a.to_token_stream().to_string());
                *expr = (*call.receiver).clone();
                take_static_headers(expr, found);
                if let (Some(name), Some(value)) = (name, value) {
                    found.push((name, value));
                }
            } else {
                take_static_headers(&mut call.receiver, found);
            }
        }
        _ => {}
    }
}

/// A header map holding one optional header (`if let Some(value) = authorization {
/// header_map.append(…); }`) is not built: the header is appended to the built request instead
/// (reqwest's `.headers(map)` merges a map entry by entry, about 1,600 instructions for one
/// header).
fn inline_single_header(stmts: &mut Vec<Stmt>) -> Result<bool, String> {
    let Some(decl) = stmts
        .iter()
        .position(|s| matches!(s, Stmt::Local(l) if pat_is(&l.pat, "header_map")))
    else {
        return Ok(false);
    };
    let uses: usize = stmts
        .iter()
        .map(|s| mentions(&s.to_token_stream(), "header_map"))
        .sum();
    // The declaration, the one append, `.headers(header_map)`.
    if uses != 3 {
        return Ok(false);
    }
    let Some(append) = stmts.iter().position(|s| single_append_branch(s).is_some()) else {
        return Ok(false);
    };
    let Some(request) = stmts
        .iter()
        .position(|s| matches!(s, Stmt::Local(l) if pat_is(&l.pat, "request")))
    else {
        return Ok(false);
    };
    if !(decl < append && append < request) {
        return Ok(false);
    }
    let Some((condition, args)) = single_append_branch(&stmts[append]) else {
        return Ok(false);
    };
    let moved = format!("if {condition} {{ request.headers_mut().append({args}); }}");
    let moved = syn::parse_str::<Stmt>(&moved).map_err(|e| format!("{moved}: {e}"))?;
    let stripped = match &mut stmts[request] {
        Stmt::Local(local) => local
            .init
            .as_mut()
            .is_some_and(|init| strip_headers_call(&mut init.expr)),
        _ => false,
    };
    if !stripped {
        return Ok(false);
    }
    stmts.insert(request + 1, moved);
    stmts.remove(append);
    stmts.remove(decl);
    Ok(true)
}

/// `if COND { header_map.append(ARGS); }`: `COND` and `ARGS` as code.
fn single_append_branch(stmt: &Stmt) -> Option<(String, String)> {
    let Stmt::Expr(Expr::If(branch), _) = stmt else {
        return None;
    };
    if branch.else_branch.is_some() || branch.then_branch.stmts.len() != 1 {
        return None;
    }
    let Some(Stmt::Expr(Expr::MethodCall(call), Some(_))) = branch.then_branch.stmts.first() else {
        return None;
    };
    (call.method == "append" && is_path(&call.receiver, "header_map")).then(|| {
        (
            branch.cond.to_token_stream().to_string(),
            call.args.to_token_stream().to_string(),
        )
    })
}

/// A header map left empty (`with_capacity(0usize)`, used only by `.headers(header_map)`) is
/// not built at all.
fn drop_empty_header_map(stmts: &mut Vec<Stmt>) {
    let is_empty_decl = |stmt: &Stmt| {
        matches!(stmt, Stmt::Local(local) if pat_is(&local.pat, "header_map")
        && local.init.as_ref().is_some_and(|init| {
            matches!(&*init.expr, Expr::Call(call) if call.args.len() == 1
                && matches!(call.args.first(), Some(Expr::Lit(lit))
                    if matches!(&lit.lit, Lit::Int(n) if n.base10_digits() == "0")))
        }))
    };
    let Some(decl) = stmts.iter().position(is_empty_decl) else {
        return;
    };
    let uses: usize = stmts
        .iter()
        .map(|s| mentions(&s.to_token_stream(), "header_map"))
        .sum();
    // The declaration and `.headers(header_map)`, nothing else.
    if uses != 2 {
        return;
    }
    let stripped = stmts.iter_mut().any(|stmt| match stmt {
        Stmt::Local(local) => local
            .init
            .as_mut()
            .is_some_and(|init| strip_headers_call(&mut init.expr)),
        _ => false,
    });
    if stripped {
        stmts.remove(decl);
    }
}

fn mentions(tokens: &proc_macro2::TokenStream, name: &str) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match tree {
            proc_macro2::TokenTree::Ident(ident) => usize::from(ident == name),
            proc_macro2::TokenTree::Group(group) => mentions(&group.stream(), name),
            _ => 0,
        })
        .sum()
}

/// `….headers(header_map)…` in a builder chain -> the chain without that call.
fn strip_headers_call(expr: &mut Expr) -> bool {
    match expr {
        Expr::MethodCall(call)
            if call.method == "headers"
                && call.args.len() == 1
                && call.args.first().is_some_and(|a| is_path(a, "header_map")) =>
        {
            *expr = (*call.receiver).clone();
            true
        }
        Expr::MethodCall(call) => strip_headers_call(&mut call.receiver),
        Expr::Try(tried) => strip_headers_call(&mut tried.expr),
        _ => false,
    }
}

/// The expression inside invisible delimiters (tokens progenitor interpolated with `quote!`).
fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => ungroup(&group.expr),
        other => other,
    }
}

fn parse_expr(code: &str) -> Result<Expr, String> {
    syn::parse_str::<Expr>(code).map_err(|e| format!("{code}: {e}"))
}

fn pat_is(pat: &Pat, name: &str) -> bool {
    match pat {
        Pat::Ident(p) => p.ident == name,
        Pat::Type(p) => pat_is(&p.pat, name),
        _ => false,
    }
}

fn is_path(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Path(p) if p.path.is_ident(name))
}

fn str_lit(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// An arm's `ResponseValue::from_response(response).await` (in a block or invisible group, as
/// progenitor emits it) -> `crate::client::decode(response).await`.
fn rewrite_decode(expr: &mut Expr) -> Result<bool, String> {
    match expr {
        Expr::Group(group) => rewrite_decode(&mut group.expr),
        Expr::Block(block) if block.block.stmts.len() == 1 => match block.block.stmts.first_mut() {
            Some(Stmt::Expr(inner, None)) => rewrite_decode(inner),
            _ => Ok(false),
        },
        // `Ok(ResponseValue::empty(response))`
        Expr::Call(ok) if is_path(&ok.func, "Ok") && ok.args.len() == 1 => {
            let Some(Expr::Call(empty)) = ok.args.first_mut() else {
                return Ok(false);
            };
            if !is_response_value_call(empty, "empty") {
                return Ok(false);
            }
            *empty.func = parse_expr(EMPTY_FN)?;
            Ok(true)
        }
        _ => match decode_call(expr)? {
            Some(decode) => {
                *expr = decode;
                Ok(true)
            }
            None => Ok(false),
        },
    }
}

/// `ResponseValue::NAME(response)`.
fn is_response_value_call(call: &syn::ExprCall, name: &str) -> bool {
    let Expr::Path(func) = &*call.func else {
        return false;
    };
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["ResponseValue".into(), name.into()])
        && call.args.len() == 1
        && call.args.first().is_some_and(|a| is_path(a, "response"))
}

fn decode_call(expr: &Expr) -> Result<Option<Expr>, String> {
    let Expr::Await(awaited) = ungroup(expr) else {
        return Ok(None);
    };
    let Expr::Call(call) = ungroup(&awaited.base) else {
        return Ok(None);
    };
    if !is_response_value_call(call, "from_response") {
        return Ok(None);
    }
    parse_expr(&format!("{DECODE_FN}(response).await")).map(Some)
}

/// `format!("{}/a/{}/b", self.baseurl, arg,)`: the literal pieces of the path around its
/// parameters (`["/a/", "/b"]`) and the parameters; a path without parameters is one piece.
fn url_format(expr: &Expr) -> Option<(Vec<String>, Vec<Expr>)> {
    let Expr::Macro(mac) = expr else { return None };
    if !mac.mac.path.is_ident("format") {
        return None;
    }
    let args = mac
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.iter();
    let template = str_lit(args.next()?)?;
    let base = args.next()?;
    let is_baseurl = matches!(base, Expr::Field(f) if is_path(&f.base, "self") && matches!(&f.member, syn::Member::Named(m) if m == "baseurl"));
    let path = template.strip_prefix("{}")?;
    let pieces: Vec<String> = path.split("{}").map(str::to_owned).collect();
    let args: Vec<Expr> = args.cloned().collect();
    let plain = pieces.iter().all(|p| !p.contains(['{', '}']));
    (is_baseurl && path.starts_with('/') && plain && pieces.len() == args.len() + 1)
        .then_some((pieces, args))
}

/// The URL expression for [`url_format`]'s pieces: a clone of a URL parsed once
/// (`self.inner.url(N, path)`) for a path without parameters, else the pieces and the encoded
/// parameters joined onto the base URL (`self.inner.url_from(…)`).
fn url_code(
    pieces: &[String],
    args: &[Expr],
    str_params: &[String],
    done: &mut Rewritten,
) -> String {
    if let ([path], []) = (pieces, args) {
        let index = match done.static_paths.iter().position(|p| p == path) {
            Some(index) => index,
            None => {
                done.static_paths.push(path.clone());
                done.static_paths.len() - 1
            }
        };
        done.cached_urls += 1;
        return format!("self.inner.url({index}usize, {path:?})");
    }
    let pieces: Vec<String> = pieces.iter().map(|p| format!("{p:?}")).collect();
    let args: Vec<String> = args
        .iter()
        .map(|arg| match encoded_param(arg) {
            Some(param) if str_params.contains(&param) => format!("&{ENCODE_FN}({param})"),
            Some(param) => format!("&{ENCODE_FN}(&{param}.to_string())"),
            None => format!("&{}", arg.to_token_stream()),
        })
        .collect();
    done.joined_urls += 1;
    // A parameter that would not stay one path segment is an error before sending (`return`,
    // not `?`: the error type is then the method's own, with nothing to infer).
    format!(
        "match self.inner.url_from(&[{}], &[{}]) {{ Ok(url) => url, \
         Err(e) => return Err(progenitor_client::Error::InvalidRequest(e)) }}",
        pieces.join(", "),
        args.join(", ")
    )
}

/// `encode_path(&NAME.to_string())`: `NAME`.
fn encoded_param(expr: &Expr) -> Option<String> {
    let Expr::Call(call) = ungroup(expr) else {
        return None;
    };
    let is_encode_path = matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "encode_path"));
    if !is_encode_path || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Reference(reference)) = call.args.first() else {
        return None;
    };
    let Expr::MethodCall(to_string) = &*reference.expr else {
        return None;
    };
    if to_string.method != "to_string" || !to_string.args.is_empty() {
        return None;
    }
    match &*to_string.receiver {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), …);`
fn is_api_version_append(stmt: &Stmt) -> bool {
    let Stmt::Expr(Expr::MethodCall(call), Some(_)) = stmt else {
        return false;
    };
    if call.method != "append" || !is_path(&call.receiver, "header_map") {
        return false;
    }
    let Some(Expr::Call(name)) = call.args.first() else {
        return false;
    };
    let from_static = matches!(&*name.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "from_static"));
    from_static
        && name
            .args
            .first()
            .and_then(str_lit)
            .is_some_and(|n| n.eq_ignore_ascii_case("api-version"))
}

/// `HeaderMap::with_capacity(Nusize)` -> `N - removed`.
fn shrink_capacity(expr: &mut Expr, removed: usize) -> Result<(), String> {
    let Expr::Call(call) = expr else {
        return Ok(());
    };
    let is_with_capacity = matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity"));
    if !is_with_capacity || call.args.len() != 1 {
        return Ok(());
    }
    let Some(Expr::Lit(lit)) = call.args.first_mut() else {
        return Ok(());
    };
    let Lit::Int(n) = &lit.lit else {
        return Ok(());
    };
    let n: usize = n.base10_parse().map_err(|e| e.to_string())?;
    let left = n.saturating_sub(removed);
    *call
        .args
        .first_mut()
        .ok_or("with_capacity without argument")? = parse_expr(&format!("{left}usize"))?;
    Ok(())
}

/// `header_map.append("Authorization", value.to_string().try_into()?);` ->
/// `header_map.append(::reqwest::header::AUTHORIZATION, ::reqwest::header::HeaderValue::try_from(value)?);`
fn authorization_append(stmt: &Stmt) -> Result<Option<Stmt>, String> {
    let Stmt::Expr(Expr::MethodCall(call), Some(_)) = stmt else {
        return Ok(None);
    };
    if call.method != "append" || !is_path(&call.receiver, "header_map") || call.args.len() != 2 {
        return Ok(None);
    }
    let is_authorization = call
        .args
        .first()
        .and_then(str_lit)
        .is_some_and(|n| n.eq_ignore_ascii_case("authorization"));
    if !is_authorization {
        return Ok(None);
    }
    // `value.to_string().try_into()?`
    let Some(Expr::Try(tried)) = call.args.get(1) else {
        return Ok(None);
    };
    let Expr::MethodCall(try_into) = &*tried.expr else {
        return Ok(None);
    };
    let Expr::MethodCall(to_string) = &*try_into.receiver else {
        return Ok(None);
    };
    let Expr::Path(value) = &*to_string.receiver else {
        return Ok(None);
    };
    if try_into.method != "try_into" || to_string.method != "to_string" {
        return Ok(None);
    }
    let Some(value) = value.path.get_ident() else {
        return Ok(None);
    };
    let code = format!(
        "header_map.append(::reqwest::header::AUTHORIZATION, ::reqwest::header::HeaderValue::try_from({value})?);"
    );
    syn::parse_str::<Stmt>(&code)
        .map(Some)
        .map_err(|e| format!("{code}: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rewritten(code: &str) -> (String, Rewritten) {
        let mut file = syn::parse_str::<syn::File>(code).unwrap();
        let done = rewrite(&mut file).unwrap();
        // Compared without whitespace: prettyplease's line breaks are not the point.
        let code = prettyplease::unparse(&file);
        (code.split_whitespace().collect(), done)
    }

    const METHOD: &str = r#"
        impl Client {
            pub async fn op<'a>(&'a self, authorization: Option<&'a str>) -> Result<(), Error<()>> {
                let url = format!("{}/v1/oauth2/userinfo", self.baseurl,);
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity(2usize);
                header_map
                    .append(
                        ::reqwest::header::HeaderName::from_static("api-version"),
                        ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                    );
                if let Some(value) = authorization {
                    header_map.append("Authorization", value.to_string().try_into()?);
                }
                #[allow(unused_mut)]
                let mut request = self.client.get(url).headers(header_map).build()?;
                match response.status().as_u16() {
                    200u16 => { ResponseValue::from_response(response).await }
                    201u16 => ResponseValue::from_response(response).await,
                    204u16 => Ok(ResponseValue::empty(response)),
                    _ => Err(Error::UnexpectedResponse(response)),
                }
            }
            pub async fn get<'a>(&'a self, id: &'a str) -> Result<(), Error<()>> {
                let url = format!("{}/v1/things/{}", self.baseurl, encode_path(&id.to_string()),);
                Ok(())
            }
            pub async fn numbered<'a>(&'a self, n: i64) -> Result<(), Error<()>> {
                let url = format!("{}/v1/n/{}/x", self.baseurl, encode_path(&n.to_string()),);
                Ok(())
            }
            pub async fn again<'a>(&'a self) -> Result<(), Error<()>> {
                let url = format!("{}/v1/oauth2/userinfo", self.baseurl,);
                Ok(())
            }
        }
    "#;

    #[test]
    fn static_urls_are_cloned_and_parameterised_ones_joined() {
        let (code, done) = rewritten(METHOD);
        assert_eq!(done.static_paths, ["/v1/oauth2/userinfo"]);
        assert_eq!(done.cached_urls, 2);
        assert_eq!(done.joined_urls, 2);
        assert!(
            code.contains(
                r#"self.inner.url_from(&["/v1/n/","/x"],&[&crate::client::encode_path_segment(&n.to_string())]"#
            ),
            "{code}"
        );
        assert_eq!(
            code.matches(r#"self.inner.url(0usize,"/v1/oauth2/userinfo")"#)
                .count(),
            2,
            "{code}"
        );
        assert!(
            code.contains(
                r#"self.inner.url_from(&["/v1/things/",""],&[&crate::client::encode_path_segment(id)])"#
            ),
            "{code}"
        );
        // A refused parameter returns the method's error before anything is sent.
        assert_eq!(
            code.matches(
                r#"{Ok(url)=>url,Err(e)=>returnErr(progenitor_client::Error::InvalidRequest(e)),}"#
            )
            .count(),
            2,
            "{code}"
        );
        assert!(
            code.contains(r#"pubconstSTATIC_PATHS:&[&str]=&["/v1/oauth2/userinfo"];"#),
            "{code}"
        );
    }

    #[test]
    fn api_version_is_not_built_and_authorization_is_one_header_value() {
        let (code, done) = rewritten(METHOD);
        assert_eq!(done.api_version_headers, 1);
        assert_eq!(done.authorization_headers, 1);
        assert_eq!(done.inlined_header_maps, 1);
        assert!(!code.contains("api-version"), "{code}");
        assert!(!code.contains("header_map"), "{code}");
        assert!(
            code.contains(
                "letmutrequest=self.client.get(url).build()?;ifletSome(value)=authorization{request.headers_mut().append(::reqwest::header::AUTHORIZATION,::reqwest::header::HeaderValue::try_from(value)?,);}"
            ),
            "{code}"
        );
    }

    #[test]
    fn responses_are_decoded_by_the_library() {
        let (code, done) = rewritten(METHOD);
        assert_eq!(done.decoded_responses, 3);
        assert_eq!(
            code.matches("u16=>crate::client::decode(response).await,")
                .count(),
            2,
            "{code}"
        );
        assert!(
            code.contains("204u16=>Ok(crate::client::empty(response)),"),
            "{code}"
        );
    }

    #[test]
    fn a_header_map_left_empty_is_not_built() {
        let (code, done) = rewritten(
            r#"
            impl Client {
                pub async fn op<'a>(&'a self, body: &'a Body) -> Result<(), Error<()>> {
                    let url = format!("{}/v1/oauth2/token", self.baseurl,);
                    let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
                    header_map
                        .append(
                            ::reqwest::header::HeaderName::from_static("api-version"),
                            ::reqwest::header::HeaderValue::from_static(Self::api_version()),
                        );
                    #[allow(unused_mut)]
                    let mut request = self.client.post(url).header(
                        ::reqwest::header::ACCEPT,
                        ::reqwest::header::HeaderValue::from_static("application/json"),
                    ).form_urlencoded(&body)?.headers(header_map).build()?;
                    Ok(())
                }
            }
        "#,
        );
        assert_eq!(done.api_version_headers, 1);
        assert!(!code.contains("header_map"), "{code}");
        assert_eq!(done.static_headers, 1);
        assert!(
            code.contains(
                r#"self.client.post(url).form_urlencoded(&body)?.build()?;request.headers_mut().append(::reqwest::header::ACCEPT,::reqwest::header::HeaderValue::from_static("application/json"),);"#
            ),
            "{code}"
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        let code = r#"
            impl Client {
                pub async fn op(&self) -> Result<(), Error<()>> {
                    let url = format!("{}{}", self.baseurl, "/x");
                    header_map.append("X-Other", value.to_string().try_into()?);
                    Ok(())
                }
            }
            impl ClientInfo for Client {
                fn f(&self) { let url = format!("{}/v1/a", self.baseurl,); }
            }
        "#;
        let (out, done) = rewritten(code);
        assert_eq!(done.cached_urls + done.authorization_headers, 0, "{out}");
        assert!(out.contains(r#"format!("{}/v1/a""#));
        assert!(out.contains("pubconstSTATIC_PATHS:&[&str]=&[];"), "{out}");
    }
}
