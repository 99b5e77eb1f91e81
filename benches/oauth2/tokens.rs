//! Round trips of the calls made with tokens: a refresh (the token endpoint), revoke,
//! introspect, userinfo, and raw hyper's refresh as the floor.

use criterion::Criterion;

use crate::measure::pair;
use crate::round_trips::Fixture;

pub fn round_trips(c: &mut Criterion, f: &Fixture) {
    let rt = &f.rt;
    pair(
        c,
        "token_round_trip",
        "crate",
        || rt.block_on(f.baseline.refresh()).expect("baseline refresh"),
        || {
            rt.block_on(f.client.refresh(&f.credentials, &f.refresh_token))
                .expect("crate refresh")
        },
    );
    pair(
        c,
        "token_round_trip_floor",
        "raw hyper",
        || rt.block_on(f.baseline.refresh()).expect("baseline refresh"),
        || rt.block_on(f.hyper.borrow_mut().refresh()),
    );
    pair(
        c,
        "revoke_round_trip",
        "crate",
        || rt.block_on(f.baseline.revoke()).expect("baseline"),
        || {
            rt.block_on(f.client.revoke(&f.credentials, &f.access_token))
                .expect("crate")
        },
    );
    pair(
        c,
        "introspect_round_trip",
        "crate",
        || rt.block_on(f.baseline.introspect()).expect("baseline"),
        || {
            rt.block_on(f.client.introspect(&f.credentials, &f.access_token))
                .expect("crate")
        },
    );
    pair(
        c,
        "userinfo_round_trip",
        "crate",
        || rt.block_on(f.baseline.userinfo()).expect("baseline"),
        || {
            rt.block_on(f.client.userinfo(&f.access_token))
                .expect("crate")
        },
    );
}
