//! A request body sent in one piece that reqwest cannot clone, hence never re-sends (neither
//! after a 307/308 nor by a retry of its own).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// A body sent in one piece that reqwest cannot clone, hence never re-sends.
pub(crate) struct OneShotBody(Option<Bytes>);

impl OneShotBody {
    pub(crate) fn new(body: Bytes) -> Self {
        Self(Some(body))
    }
}

impl http_body::Body for OneShotBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.take().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.as_ref().map_or(0, |b| b.len() as u64))
    }
}
