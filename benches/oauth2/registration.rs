//! Round trips of client registration (RFC 7591) and management (RFC 7592).

use criterion::Criterion;

use crate::common::CLIENT_ID;
use crate::measure::pair;
use crate::round_trips::Fixture;

pub fn round_trips(c: &mut Criterion, f: &Fixture) {
    let rt = &f.rt;
    pair(
        c,
        "create_client_round_trip",
        "crate",
        || rt.block_on(f.baseline.create_client()).expect("baseline"),
        || {
            rt.block_on(f.client.register_client(None, &f.registration))
                .expect("crate")
        },
    );
    pair(
        c,
        "get_client_round_trip",
        "crate",
        || rt.block_on(f.baseline.get_client()).expect("baseline"),
        || {
            rt.block_on(f.client.get_client(&f.registration_token, CLIENT_ID))
                .expect("crate")
        },
    );
    pair(
        c,
        "update_client_round_trip",
        "crate",
        || rt.block_on(f.baseline.update_client()).expect("baseline"),
        || {
            rt.block_on(f.client.update_client(&f.registration_token, &f.update))
                .expect("crate")
        },
    );
    pair(
        c,
        "delete_client_round_trip",
        "crate",
        || rt.block_on(f.baseline.delete_client()).expect("baseline"),
        || {
            rt.block_on(f.client.delete_client(&f.registration_token, CLIENT_ID))
                .expect("crate")
        },
    );
}
