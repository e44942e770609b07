// What distributed.cpp shares with the other C++ files of the shim that form c10d groups
// (gloo_reference.cpp): the rendezvous and Gloo's device, set up one way for both.
#pragma once

#include <chrono>
#include <string>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// A libtorch install without gloo's headers still builds the shim; Gloo then fails at run time.
#if __has_include(<gloo/config.h>)
#define STLM_WITH_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace stlm {

// Rank 0 hosts the store on master:port; every rank connects to it and waits (timeout) for the whole group.
c10::intrusive_ptr<c10d::Store> group_store(const std::string& master, int port, int rank, int world_size,
                                            std::chrono::milliseconds timeout);

#ifdef STLM_WITH_GLOO
// Gloo's options for a group whose store is at master: its timeout and the one interface it binds.
c10::intrusive_ptr<c10d::ProcessGroupGloo::Options> gloo_options(const std::string& master, std::chrono::milliseconds timeout);
#endif

}  // namespace stlm
