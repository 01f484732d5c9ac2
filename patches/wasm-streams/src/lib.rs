//! `ReadableStream` ⇄ `Stream` for `server_fn`'s browser client, without exported JS classes
//! (see README.md). Items and errors are raw `JsValue`s, as in crates.io's wasm-streams.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_util::stream::{Stream, StreamExt};
use js_sys::{Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use wasm_bindgen_futures::JsFuture;

/// The raw web-sys types, as wasm-streams names them.
pub mod sys {
    pub use web_sys::ReadableStream;
}

/// A JavaScript `ReadableStream`, readable as a Rust [`Stream`] or made from one.
#[derive(Debug)]
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

type Source = Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>;

impl ReadableStream {
    /// Wraps a JavaScript stream.
    pub fn from_raw(raw: web_sys::ReadableStream) -> Self {
        Self { raw }
    }

    /// The JavaScript stream.
    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// A JavaScript stream that pulls its chunks from `stream`: each `Ok` is enqueued, an
    /// `Err` errors the stream, the end closes it. Nothing is buffered ahead of the reader.
    pub fn from_stream<St>(stream: St) -> Self
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let source: Rc<RefCell<Option<Source>>> = Rc::new(RefCell::new(Some(Box::pin(stream))));
        let pull = Closure::<dyn FnMut(web_sys::ReadableStreamDefaultController) -> Promise>::new(
            move |controller: web_sys::ReadableStreamDefaultController| {
                let source = Rc::clone(&source);
                wasm_bindgen_futures::future_to_promise(async move {
                    // The stream is taken out while awaited: JS never pulls twice at once.
                    let Some(mut stream) = source.borrow_mut().take() else {
                        return Ok(JsValue::UNDEFINED);
                    };
                    match stream.next().await {
                        Some(Ok(chunk)) => {
                            controller.enqueue_with_chunk(&chunk)?;
                            *source.borrow_mut() = Some(stream);
                        }
                        Some(Err(error)) => controller.error_with_e(&error),
                        None => controller.close()?,
                    }
                    Ok(JsValue::UNDEFINED)
                })
            },
        );
        let underlying = web_sys::UnderlyingSource::new();
        // Owned by the JS function from here on.
        underlying.set_pull(pull.into_js_value().unchecked_ref());
        let strategy = web_sys::QueuingStrategy::new();
        strategy.set_high_water_mark(0.0);
        let raw =
            web_sys::ReadableStream::new_with_underlying_source_and_strategy(&underlying, &strategy)
                .unwrap_throw();
        Self { raw }
    }

    /// Reads the JavaScript stream as a Rust [`Stream`] (locking it to one reader).
    pub fn into_stream(self) -> IntoStream<'static> {
        let reader = self
            .raw
            .get_reader()
            .unchecked_into::<web_sys::ReadableStreamDefaultReader>();
        IntoStream {
            reader: Some(reader),
            read: None,
            lifetime: PhantomData,
        }
    }
}

/// A JavaScript stream read as a Rust [`Stream`]: its chunks, then its end; a read that fails
/// yields the error and ends it.
#[derive(Debug)]
pub struct IntoStream<'reader> {
    reader: Option<web_sys::ReadableStreamDefaultReader>,
    read: Option<JsFuture>,
    lifetime: PhantomData<&'reader ()>,
}

impl Stream for IntoStream<'_> {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(reader) = &this.reader else {
            return Poll::Ready(None);
        };
        let read = this
            .read
            .get_or_insert_with(|| JsFuture::from(reader.read()));
        let result = match Pin::new(read).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        this.read = None;
        let item = result.and_then(|result| {
            let done = Reflect::get(&result, &JsValue::from_str("done"))?;
            Ok((!done.is_truthy())
                .then(|| Reflect::get(&result, &JsValue::from_str("value")))
                .transpose()?)
        });
        match item {
            Ok(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Ok(None) => {
                this.reader = None;
                Poll::Ready(None)
            }
            Err(error) => {
                this.reader = None;
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

impl Drop for IntoStream<'_> {
    fn drop(&mut self) {
        // Like wasm-streams: a reader dropped before the end cancels the stream.
        if let Some(reader) = self.reader.take() {
            let _ = reader.cancel();
            reader.release_lock();
        }
    }
}
