#include "gateway/backend.hpp"

namespace keel::gateway {

backend::~backend() = default;

} // namespace keel::gateway
