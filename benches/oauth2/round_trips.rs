//! The round trips: each operation through `polar_oauth2::Client` against a hand-written
//! reqwest + serde client (`benches/common`), and raw hyper (the floor: no client library) for
//! token and authorize, all against one loopback keep-alive server in its own process, pinned to
//! another CPU than the client, as a real server would be.

use std::cell::RefCell;

use criterion::Criterion;
use polar_oauth2::{
    AccessToken, AuthorizeParams, Client, ClientCredentials, ClientRegistration, ClientSecret,
    ClientUpdate, PkceMethod, RefreshToken, RefreshTokenGrant, RegistrationAccessToken, Scope,
    ScopeSet, Server, SessionToken, SubType, TokenRequest,
};

use crate::common::*;
use crate::{consent, mode, registration, tokens};

/// Every group measured here, for the filter.
const ROUND_TRIPS: [&str; 11] = [
    "token_round_trip",
    "token_round_trip_floor",
    "revoke_round_trip",
    "introspect_round_trip",
    "userinfo_round_trip",
    "authorize_round_trip",
    "authorize_round_trip_floor",
    "create_client_round_trip",
    "get_client_round_trip",
    "update_client_round_trip",
    "delete_client_round_trip",
];

/// The clients, their inputs and the server every round trip shares.
pub struct Fixture {
    pub rt: tokio::runtime::Runtime,
    pub client: Client,
    pub baseline: HandWritten,
    pub hyper: RefCell<RawHyper>,
    pub credentials: ClientCredentials,
    pub refresh_token: RefreshToken,
    pub access_token: AccessToken,
    pub session: SessionToken,
    pub registration_token: RegistrationAccessToken,
    pub params: AuthorizeParams,
    pub registration: ClientRegistration,
    pub update: ClientUpdate,
    pub scope_wire: String,
    /// Last: the server outlives the clients.
    _server: ServerProcess,
}

pub fn round_trips(c: &mut Criterion) {
    if !ROUND_TRIPS.iter().any(|g| mode().runs(g)) {
        return;
    }
    let f = Fixture::start();
    tokens::round_trips(c, &f);
    consent::round_trips(c, &f);
    registration::round_trips(c, &f);
}

impl Fixture {
    /// Start the server and the clients, and check that every client answers correctly before
    /// anything is timed.
    fn start() -> Self {
        let server = ServerProcess::spawn();
        pin(CLIENT_CPU, "client");
        // One current-thread runtime for all clients, on the client's CPU.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let base = server.base();

        let client = polar_oauth2::Client::builder(Server::Custom(base.clone()))
            .build()
            .expect("crate client");
        let credentials =
            ClientCredentials::confidential(CLIENT_ID, ClientSecret::new(CLIENT_SECRET));
        let refresh_token = RefreshToken::new(REFRESH_TOKEN);
        let access_token = AccessToken::new(ACCESS_TOKEN);
        let session = SessionToken::new(SESSION_TOKEN);
        let registration_token = RegistrationAccessToken::new(REGISTRATION_TOKEN);
        let scope: ScopeSet = SCOPES
            .iter()
            .filter_map(|s| Scope::from_wire(s).ok())
            .collect();
        let params = AuthorizeParams::new(CLIENT_ID)
            .redirect_uri(REDIRECT_URI)
            .scope(&scope)
            .state(STATE)
            .code_challenge(CODE_CHALLENGE, PkceMethod::S256);
        let registration = ClientRegistration::new("Acme Analytics", [REDIRECT_URI]);
        let update = ClientUpdate::new(CLIENT_ID, registration.clone());

        let baseline = HandWritten::new(&base, HandWritten::default_http());
        let scope_wire = SCOPES.join(" ");
        let hyper = rt.block_on(RawHyper::connect(server.addr, &scope_wire));
        let mut hyper = hyper;

        // What a caller's task holds (and `block_on`/`spawn` copy) per call.
        eprintln!(
            "future sizes: refresh {} B (baseline {} B), authorize {} B (baseline {} B)",
            std::mem::size_of_val(&client.refresh(&credentials, &refresh_token)),
            std::mem::size_of_val(&baseline.refresh()),
            std::mem::size_of_val(&client.consent_data(&session, &params)),
            std::mem::size_of_val(&baseline.consent_data(&scope_wire)),
        );
        {
            use progenitor_client::ClientHooks;
            let request: TokenRequest =
                RefreshTokenGrant::new(credentials.clone(), refresh_token.clone()).into();
            let http = reqwest::Request::new(reqwest::Method::GET, base.parse().expect("url"));
            let info = progenitor_client::OperationInfo { operation_id: "x" };
            eprintln!(
                "  generated request_token {} B, request_token {} B, exec {} B",
                std::mem::size_of_val(&client.generated().oauth2_request_token(None, &request)),
                std::mem::size_of_val(&client.request_token(&request)),
                std::mem::size_of_val(&client.generated().exec(http, &info)),
            );
        }
        // Every client answers correctly before anything is timed.
        rt.block_on(async {
            let token = client
                .refresh(&credentials, &refresh_token)
                .await
                .expect("crate refresh");
            assert_eq!(token.scope().len(), SCOPES.len());
            let consent = client
                .consent_data(&session, &params)
                .await
                .expect("crate authorize");
            assert_eq!(consent.sub_type(), SubType::User);
            assert_eq!(
                consent.scope_display_names().len(),
                spec_display_names().len()
            );
            client
                .revoke(&credentials, &access_token)
                .await
                .expect("revoke");
            assert!(
                client
                    .introspect(&credentials, &access_token)
                    .await
                    .expect("introspect")
                    .is_active()
            );
            client.userinfo(&access_token).await.expect("userinfo");
            client
                .register_client(None, &registration)
                .await
                .expect("register");
            client
                .get_client(&registration_token, CLIENT_ID)
                .await
                .expect("get client");
            client
                .update_client(&registration_token, &update)
                .await
                .expect("update client");
            client
                .delete_client(&registration_token, CLIENT_ID)
                .await
                .expect("delete client");
            baseline.refresh().await.expect("baseline refresh");
            baseline
                .consent_data(&scope_wire)
                .await
                .expect("baseline authorize");
            baseline.revoke().await.expect("baseline revoke");
            baseline.introspect().await.expect("baseline introspect");
            baseline.userinfo().await.expect("baseline userinfo");
            baseline.create_client().await.expect("baseline register");
            baseline.get_client().await.expect("baseline get client");
            baseline
                .update_client()
                .await
                .expect("baseline update client");
            baseline
                .delete_client()
                .await
                .expect("baseline delete client");
            hyper.refresh().await;
            hyper.consent_data().await;
        });
        Self {
            rt,
            client,
            baseline,
            hyper: RefCell::new(hyper),
            credentials,
            refresh_token,
            access_token,
            session,
            registration_token,
            params,
            registration,
            update,
            scope_wire,
            _server: server,
        }
    }
}
