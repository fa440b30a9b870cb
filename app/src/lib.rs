#![recursion_limit = "256"]
//! Vigie's application: the route tree, the pages, the server functions they
//! call, and (behind `ssr`) everything that only runs on the server.

pub mod api;
pub mod app;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
