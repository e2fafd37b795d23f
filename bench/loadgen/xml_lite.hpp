#pragma once

#include <string>
#include <string_view>

// Just enough XML for parley-xmpp-fanout: every WebSocket frame from an XMPP server
// (RFC 7395) is one complete top-level element, small and well-formed, so the tool
// reads the few things it needs with string searches instead of a parser. Every
// function returns an empty view for anything it cannot find; none throws.
namespace parley::bench::xml {

/// The name of the frame's top-level element: "message", "stream:features", "open".
std::string_view element_name(std::string_view frame);

/// The value of attribute `name` of the frame's top-level start tag, raw (entities
/// left as they are), either quote style.
std::string_view attribute(std::string_view frame, std::string_view name);

/// The raw text content of the first `<name>` or `<name ...>` element in the frame
/// (not nested further: what is between its start tag and the next `</name>`).
std::string_view child_text(std::string_view frame, std::string_view name);

/// Whether the frame holds a start tag of element `name` anywhere.
bool has_element(std::string_view frame, std::string_view name);

/// `text` with & < > " ' escaped, for attribute values and character data.
std::string escape(std::string_view text);

} // namespace parley::bench::xml
