//! Round trips of the consent data call (`GET /v1/oauth2/authorize`), and raw hyper's as the
//! floor.

use criterion::Criterion;

use crate::measure::pair;
use crate::round_trips::Fixture;

pub fn round_trips(c: &mut Criterion, f: &Fixture) {
    let rt = &f.rt;
    pair(
        c,
        "authorize_round_trip",
        "crate",
        || {
            rt.block_on(f.baseline.consent_data(&f.scope_wire))
                .expect("baseline authorize")
        },
        || {
            rt.block_on(f.client.consent_data(&f.session, &f.params))
                .expect("crate authorize")
        },
    );
    pair(
        c,
        "authorize_round_trip_floor",
        "raw hyper",
        || {
            rt.block_on(f.baseline.consent_data(&f.scope_wire))
                .expect("baseline authorize")
        },
        || rt.block_on(f.hyper.borrow_mut().consent_data()),
    );
}
