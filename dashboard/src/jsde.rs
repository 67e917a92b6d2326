//! A small serde deserializer over the browser's parsed JSON (`JSON.parse`'s `JsValue`), and
//! the serializer that writes variables for `JSON.stringify` (at the end).
//!
//! serde-wasm-bindgen did this before, with errors that describe what went wrong. Every
//! generated response type is read by code monomorphised for the deserializer, so its error
//! paths (messages formatted with `core::fmt`, field names, expected types) were repeated in
//! each of them. Here an error is a unit value: a response that does not fit its type is just
//! "a bad response", and the compiler drops everything that would only have described it
//! (issue #16, size). Only what the generated types ask for is supported: structs (read field
//! by field by name), sequences, options, strings, numbers, booleans and unit enums (and maps,
//! for serde's buffered content).

use js_sys::{Array, Object, Reflect};
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess, Visitor};
use wasm_bindgen::{JsCast, JsValue};

/// A response did not fit its type. Carries nothing: see the module note.
#[derive(Debug)]
pub struct Error;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unexpected shape")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

/// Reads `T` from a parsed JSON value.
pub fn from_value<T: de::DeserializeOwned>(v: JsValue) -> Result<T, Error> {
    T::deserialize(De(v))
}

pub struct De(JsValue);

impl De {
    fn number(&self) -> Result<f64, Error> {
        self.0.as_f64().ok_or(Error)
    }

    fn absent(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }
}

macro_rules! ints {
    ($($method:ident => $visit:ident as $t:ty),*) => {
        $(#[inline(never)]
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.$visit(self.number()? as $t)
        })*
    };
}

impl<'de> Deserializer<'de> for De {
    type Error = Error;

    /// Only for types that take whatever comes (none of the generated ones do, but serde's
    /// `IgnoredAny` and buffered content may).
    #[inline(never)]
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.absent() {
            v.visit_unit()
        } else if let Some(b) = self.0.as_bool() {
            v.visit_bool(b)
        } else if let Some(n) = self.0.as_f64() {
            v.visit_f64(n)
        } else if let Some(s) = self.0.as_string() {
            v.visit_string(s)
        } else if Array::is_array(&self.0) {
            self.deserialize_seq(v)
        } else if self.0.is_object() {
            let obj: Object = self.0.unchecked_into();
            let names: Vec<String> = Object::keys(&obj).iter().filter_map(|k| k.as_string()).collect();
            v.visit_map(Fields { obj, names: names.into_iter(), value: None })
        } else {
            Err(Error)
        }
    }

    #[inline(never)]
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_bool(self.0.as_bool().ok_or(Error)?)
    }

    ints!(deserialize_i8 => visit_i64 as i64, deserialize_i16 => visit_i64 as i64, deserialize_i32 => visit_i64 as i64,
          deserialize_i64 => visit_i64 as i64, deserialize_u8 => visit_u64 as u64, deserialize_u16 => visit_u64 as u64,
          deserialize_u32 => visit_u64 as u64, deserialize_u64 => visit_u64 as u64, deserialize_f32 => visit_f64 as f64,
          deserialize_f64 => visit_f64 as f64);

    #[inline(never)]
    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_string(v)
    }

    #[inline(never)]
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_string(v)
    }

    #[inline(never)]
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.0.as_string().ok_or(Error)?)
    }

    #[inline(never)]
    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error)
    }

    #[inline(never)]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error)
    }

    #[inline(never)]
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.absent() { v.visit_none() } else { v.visit_some(self) }
    }

    #[inline(never)]
    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    #[inline(never)]
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    #[inline(never)]
    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    #[inline(never)]
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if !Array::is_array(&self.0) {
            return Err(Error);
        }
        let array: Array = self.0.unchecked_into();
        v.visit_seq(Items { array, next: 0 })
    }

    #[inline(never)]
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    #[inline(never)]
    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _: &'static str, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }

    #[inline(never)]
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if !self.0.is_object() || Array::is_array(&self.0) {
            return Err(Error);
        }
        self.deserialize_any(v)
    }

    /// A struct's fields are handed over as a sequence, in the order the struct declares them,
    /// each read from the object by its name (missing ones as `undefined`, so a missing
    /// `Option` is `None`). serde's derived readers take a sequence with a few lines per field;
    /// their map readers (match each key, refuse duplicates, report missing fields) are then
    /// never called and so not compiled in.
    #[inline(never)]
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        if !self.0.is_object() {
            return Err(Error);
        }
        v.visit_seq(Named { obj: self.0.unchecked_into(), fields, next: 0 })
    }

    /// Unit variants only, written as their name (the schema's enums).
    #[inline(never)]
    fn deserialize_enum<V: Visitor<'de>>(self, _: &'static str, _: &'static [&'static str], v: V) -> Result<V::Value, Error> {
        v.visit_enum(Variant(self.0.as_string().ok_or(Error)?))
    }

    #[inline(never)]
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_string(v)
    }

    #[inline(never)]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

/// An object's keys and values, for maps (structs go by `Named`).
struct Fields {
    obj: Object,
    names: std::vec::IntoIter<String>,
    value: Option<JsValue>,
}

impl Fields {
    /// The next key whose value is not `undefined`, with its value kept for `next_value_seed`.
    fn next_name(&mut self) -> Option<String> {
        loop {
            let name = self.names.next()?;
            let value = Reflect::get(&self.obj, &JsValue::from_str(&name)).unwrap_or(JsValue::UNDEFINED);
            if !value.is_undefined() {
                self.value = Some(value);
                return Some(name);
            }
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    #[inline(never)]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.next_name() {
            Some(name) => seed.deserialize(name.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    #[inline(never)]
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(De(self.value.take().ok_or(Error)?))
    }
}

/// A struct's field values, by name, in declaration order (see `deserialize_struct`).
struct Named {
    obj: Object,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> SeqAccess<'de> for Named {
    type Error = Error;

    #[inline(never)]
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        let Some(name) = self.fields.get(self.next) else { return Ok(None) };
        self.next += 1;
        seed.deserialize(De(Reflect::get(&self.obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED))).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len() - self.next)
    }
}

struct Items {
    array: Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    #[inline(never)]
    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, Error> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(De(self.array.get(self.next - 1))).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.array.length() - self.next) as usize)
    }
}

struct Variant(String);

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = UnitOnly;

    #[inline(never)]
    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, UnitOnly), Error> {
        Ok((seed.deserialize(self.0.into_deserializer())?, UnitOnly))
    }
}

struct UnitOnly;

impl<'de> VariantAccess<'de> for UnitOnly {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _: S) -> Result<S::Value, Error> {
        Err(Error)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Error> {
        Err(Error)
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value, Error> {
        Err(Error)
    }
}

/// Writes a value (an operation's variables) as a JS value for `JSON.stringify`: structs as
/// objects, sequences as arrays, `None` and `()` as null, unit enum variants as their name.
/// Replaces serde-wasm-bindgen's serializer, so that crate is out of the wasm.
pub fn to_value<T: serde::Serialize + ?Sized>(v: &T) -> Result<JsValue, Error> {
    v.serialize(Ser)
}

pub struct Ser;

/// An object or an array being filled.
pub struct Fill(JsValue);

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

use serde::ser::{self, Impossible, Serialize};

impl ser::Serializer for Ser {
    type Ok = JsValue;
    type Error = Error;
    type SerializeSeq = Fill;
    type SerializeTuple = Fill;
    type SerializeTupleStruct = Impossible<JsValue, Error>;
    type SerializeTupleVariant = Impossible<JsValue, Error>;
    type SerializeMap = Impossible<JsValue, Error>;
    type SerializeStruct = Fill;
    type SerializeStructVariant = Impossible<JsValue, Error>;

    fn serialize_bool(self, v: bool) -> Result<JsValue, Error> {
        Ok(JsValue::from_bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<JsValue, Error> {
        self.serialize_f64(v as f64)
    }
    fn serialize_u8(self, v: u8) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<JsValue, Error> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f32(self, v: f32) -> Result<JsValue, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<JsValue, Error> {
        Ok(JsValue::from_f64(v))
    }
    fn serialize_char(self, v: char) -> Result<JsValue, Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<JsValue, Error> {
        Ok(JsValue::from_str(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<JsValue, Error> {
        Err(Error)
    }
    fn serialize_none(self) -> Result<JsValue, Error> {
        Ok(JsValue::NULL)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<JsValue, Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<JsValue, Error> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<JsValue, Error> {
        Ok(JsValue::NULL)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<JsValue, Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<JsValue, Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<JsValue, Error> {
        Err(Error)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Fill, Error> {
        Ok(Fill(Array::new().into()))
    }
    fn serialize_tuple(self, len: usize) -> Result<Fill, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(Error)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Error> {
        Err(Error)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(Error)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fill, Error> {
        Ok(Fill(Object::new().into()))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Error> {
        Err(Error)
    }
}

impl Fill {
    fn push(&self, v: JsValue) {
        self.0.unchecked_ref::<Array>().push(&v);
    }
}

impl ser::SerializeSeq for Fill {
    type Ok = JsValue;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v.serialize(Ser)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Error> {
        Ok(self.0)
    }
}

impl ser::SerializeTuple for Fill {
    type Ok = JsValue;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v.serialize(Ser)?);
        Ok(())
    }
    fn end(self) -> Result<JsValue, Error> {
        Ok(self.0)
    }
}

impl ser::SerializeStruct for Fill {
    type Ok = JsValue;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        Reflect::set(&self.0, &JsValue::from_str(key), &v.serialize(Ser)?).map_err(|_| Error)?;
        Ok(())
    }
    fn end(self) -> Result<JsValue, Error> {
        Ok(self.0)
    }
}
