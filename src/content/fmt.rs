//! The formatting the template filters call: CLDR data through
//! [`crate::locale`] (ICU4X), in the subscriber's locale.

pub(crate) use crate::locale::{
    format_currency, format_date, format_number, format_percent, plural_category, DateInput,
    DateOptions, DateStyle, NumberOptions,
};
