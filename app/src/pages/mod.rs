//! Pages: the public ones here, the console's under `console/`.

pub mod console;
mod home;
mod login;
mod not_found;
#[cfg(feature = "ssr")]
pub mod status;
#[cfg(feature = "ssr")]
pub mod subscriptions;

pub use home::HomePage;
pub use login::LoginPage;
pub use not_found::NotFound;
