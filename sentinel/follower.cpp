// Sentinel following on the control loop; see follower.hpp.
#include "sentinel/follower.hpp"

#include <hiredis/hiredis.h>

#include <variant>

#include "healthcheck/redis_client.hpp"
#include "healthcheck/redis_role.hpp"

namespace sy::sentinel {

using health::RedisClient;

// One Sentinel: its subscription (kept open, re-made with backoff) and its
// part of the current round (a fresh connection per round).
struct SentinelFollower::Link {
  SentinelFollower* follower;
  std::string key;  // "ip:port"
  conf::Address address;
  RedisClient* subscription = nullptr;
  RedisClient* query = nullptr;
  uv_timer_t* resubscribe_timer = nullptr;
  conf::Duration backoff{0};
  bool in_round = false;  // asked in the current round, answer pending
  SentinelAnswer answer;
  std::string last_failure;
};

namespace {

// A master going down, a failover starting, ending or given up: each starts
// a round at once (the round asks whether a failover is under way).
const std::vector<std::string> kChannels = {"+switch-master", "+sdown", "-sdown", "+odown", "-odown",
                                            "+try-failover", "+failover-end", "+failover-end-for-timeout",
                                            "-failover-abort-not-elected", "-failover-abort-no-good-slave"};

// AUTH first when a password is set, with the user when one is.
void authenticate(RedisClient& client, const std::string& user, const std::string& password,
                  std::function<void(const std::string&)> on_failure) {
  if (password.empty()) return;
  auto on_reply = [on_failure = std::move(on_failure)](const redisReply& reply) {
    if (health::is_error(reply)) on_failure("AUTH failed: " + std::string(health::reply_text(reply)));
  };
  if (user.empty()) client.command({"AUTH", password}, std::move(on_reply));
  else client.command({"AUTH", user, password}, std::move(on_reply));
}

std::optional<conf::Address> address_of(const Endpoint& endpoint) {
  auto parsed = conf::parse_address(endpoint.to_string());
  if (auto* address = std::get_if<conf::Address>(&parsed)) return *address;
  return std::nullopt;
}

}  // namespace

FollowerSettings FollowerSettings::from(const conf::SentinelSettings& sentinel, const conf::HealthCheck& servers) {
  FollowerSettings settings;
  settings.master_name = sentinel.master_name;
  settings.sentinels = sentinel.sentinels;
  settings.user = sentinel.user;
  settings.password = sentinel.password;
  settings.server_user = servers.kind == conf::HealthCheckKind::redis ? servers.user : std::string();
  settings.server_password = servers.password;
  settings.poll_interval = sentinel.poll_interval;
  settings.timeout = sentinel.timeout;
  return settings;
}

SentinelFollower* SentinelFollower::start(uv_loop_t* loop, FollowerSettings settings, OnChange on_change,
                                          OnProblem on_problem) {
  auto* follower = new SentinelFollower(loop, std::move(settings), std::move(on_change), std::move(on_problem));
  for (const auto& address : follower->settings_.sentinels) follower->add_link(address);
  uv_timer_start(follower->poll_timer_, [](uv_timer_t* timer) {
    static_cast<SentinelFollower*>(timer->data)->start_round("poll");
  }, 0, static_cast<uint64_t>(follower->settings_.poll_interval.count()));
  return follower;
}

SentinelFollower::SentinelFollower(uv_loop_t* loop, FollowerSettings settings, OnChange on_change,
                                   OnProblem on_problem)
    : loop_(loop),
      settings_(std::move(settings)),
      on_change_(std::move(on_change)),
      on_problem_(std::move(on_problem)),
      poll_timer_(new uv_timer_t),
      retry_timer_(new uv_timer_t) {
  for (uv_timer_t* timer : {poll_timer_, retry_timer_}) {
    uv_timer_init(loop_, timer);
    timer->data = this;
    ++open_handles_;
  }
}

SentinelFollower::Link& SentinelFollower::add_link(const conf::Address& address) {
  std::string key = conf::format_sockaddr(address.sockaddr_ptr());
  auto& slot = links_[key];
  if (slot) return *slot;
  slot = std::make_unique<Link>();
  Link& link = *slot;
  link.follower = this;
  link.key = key;
  link.address = address;
  link.resubscribe_timer = new uv_timer_t;
  uv_timer_init(loop_, link.resubscribe_timer);
  link.resubscribe_timer->data = &link;
  ++open_handles_;
  subscribe(link);
  return link;
}

void SentinelFollower::subscribe(Link& link) {
  auto lost = [this, &link](const std::string& reason) {
    link.subscription = nullptr;
    if (stopping_) return;
    // Back again after a pause that doubles up to max_backoff.
    link.backoff = link.backoff.count() == 0 ? settings_.first_backoff
                                             : std::min(settings_.max_backoff, link.backoff * 2);
    problem("Sentinel " + link.key + ": subscription lost (" + reason + "); again in " +
            std::to_string(link.backoff.count()) + "ms");
    uv_timer_start(link.resubscribe_timer, [](uv_timer_t* timer) {
      auto* l = static_cast<Link*>(timer->data);
      l->follower->subscribe(*l);
    }, static_cast<uint64_t>(link.backoff.count()), 0);
  };
  link.subscription = RedisClient::connect(loop_, link.address, settings_.timeout, lost);
  authenticate(*link.subscription, settings_.user, settings_.password, [&link, lost](const std::string& why) {
    link.subscription->close();
    lost(why);
  });
  link.subscription->subscribe(
      kChannels, [this, &link](std::string_view channel, std::string_view payload) { on_message(link, channel, payload); },
      [&link] { link.backoff = conf::Duration(0); });
}

void SentinelFollower::on_message(Link& link, std::string_view channel, std::string_view payload) {
  if (channel == "+switch-master") {
    auto change = parse_switch_master(payload);
    if (!change || change->master_name != settings_.master_name) return;
    pending_switch_ = change->to;
    pending_until_ms_ = uv_now(loop_) + 5000;
    start_round("+switch-master from Sentinel " + link.key + " (" + change->from.to_string() + " -> " +
                change->to.to_string() + ")");
    return;
  }
  if (event_concerns(payload, settings_.master_name))
    start_round(std::string(channel) + " " + std::string(payload) + " from Sentinel " + link.key);
}

void SentinelFollower::start_round(std::string reason) {
  if (stopping_) return;
  if (round_active_) {
    // Answers already asked for may predate the news: ask again after.
    if (!round_again_ || reason != "poll") again_reason_ = std::move(reason);
    round_again_ = true;
    return;
  }
  if (links_.empty()) return;  // nobody to ask (no Sentinel configured)
  round_active_ = true;
  round_reason_ = std::move(reason);
  outstanding_ = links_.size();
  for (auto& [key, link] : links_) link->in_round = true;
  // Collected first: answers may add links while the round runs.
  std::vector<Link*> asked;
  for (auto& [key, link] : links_) asked.push_back(link.get());
  for (Link* link : asked) query(*link);
}

void SentinelFollower::query(Link& link) {
  link.answer = {};
  auto fail = [this, &link](const std::string& reason) {
    if (link.query) link.query->close();
    link.query = nullptr;
    answered(link, false, reason);
  };
  link.query = RedisClient::connect(loop_, link.address, settings_.timeout, [this, &link](const std::string& reason) {
    link.query = nullptr;
    answered(link, false, reason);
  });
  RedisClient& client = *link.query;
  authenticate(client, settings_.user, settings_.password, fail);
  const std::string& name = settings_.master_name;
  client.command({"SENTINEL", "get-master-addr-by-name", name}, [&link, fail](const redisReply& reply) {
    std::string problem;
    link.answer.master = parse_master_address(reply, problem);
    if (!problem.empty()) fail("get-master-addr-by-name: " + problem);
  });
  client.command({"SENTINEL", "master", name}, [&link](const redisReply& reply) {
    // An error here is a name it does not monitor, which get-master-addr-by-name already told.
    if (auto master = parse_instance(reply); master && master->failing_over()) link.answer.failing_over = master->endpoint;
  });
  client.command({"SENTINEL", "replicas", name}, [&link, fail](const redisReply& reply) {
    std::string problem;
    for (const Instance& replica : parse_instances(reply, problem))
      if (replica.usable()) link.answer.replicas.push_back(replica.endpoint);
    if (!problem.empty()) fail("SENTINEL replicas: " + problem);
  });
  client.command({"SENTINEL", "sentinels", name}, [this, &link, fail](const redisReply& reply) {
    std::string problem;
    std::vector<Instance> others = parse_instances(reply, problem);
    if (!problem.empty()) return fail("SENTINEL sentinels: " + problem);
    link.query->close();
    link.query = nullptr;
    // Sentinels learned here are subscribed to now and asked from the next round on.
    for (const Instance& other : others)
      if (auto address = address_of(other.endpoint)) add_link(*address);
    answered(link, true, "");
  });
}

void SentinelFollower::answered(Link& link, bool ok, const std::string& failure) {
  if (!link.in_round) return;
  link.in_round = false;
  link.answer.reachable = ok;
  if (!ok && failure != link.last_failure) problem("Sentinel " + link.key + " unreachable: " + failure);
  link.last_failure = ok ? "" : failure;
  if (--outstanding_ == 0) finish_round();
}

void SentinelFollower::finish_round() {
  std::vector<SentinelAnswer> answers;
  for (auto& [key, link] : links_) answers.push_back(link->answer);
  Vote vote = count_votes(answers);
  if (!vote.master) {
    problem("Sentinels: " + vote.summary);
    return end_round();
  }
  // The leader has switched away from the master the others still name (it
  // resets its failover flag as it switches; they learn of the switch a
  // moment later): that master is still being replaced.
  if (pending_switch_ && *pending_switch_ != *vote.master && uv_now(loop_) < pending_until_ms_ && !vote.failing_over) {
    vote.failing_over = true;
    vote.summary += "; a Sentinel switched to " + pending_switch_->to_string();
  }
  if (current_ && current_->master == *vote.master) {
    if (current_->replicas != vote.replicas || current_->failing_over != vote.failing_over) {
      std::string what = current_->failing_over == vote.failing_over ? "replicas changed"
                         : vote.failing_over                        ? "failover started"
                                                                    : "no failover in progress";
      current_->replicas = vote.replicas;
      current_->failing_over = vote.failing_over;
      current_->reason = round_reason_ + "; " + what + "; " + vote.summary;
      OnChange notify = on_change_;  // a copy: the callback may stop the follower
      notify(*current_);
    }
    return end_round();
  }
  confirm(vote);
}

void SentinelFollower::confirm(const Vote& vote) {
  auto address = address_of(*vote.master);
  if (!address) {
    problem("Sentinels name " + vote.master->to_string() + ", which is not an address");
    return end_round();
  }
  auto refuse = [this, named = *vote.master](const std::string& why) {
    if (confirming_) confirming_->close();
    confirming_ = nullptr;
    problem("Sentinels name " + named.to_string() + " as master, not taken: " + why);
    end_round();
  };
  confirming_ = RedisClient::connect(loop_, *address, settings_.timeout, [this, refuse](const std::string& reason) {
    confirming_ = nullptr;
    refuse(reason);
  });
  authenticate(*confirming_, settings_.server_user, settings_.server_password, refuse);
  confirming_->command({"ROLE"}, [this, vote, refuse](const redisReply& reply) {
    health::RedisRole role = health::parse_role_reply(reply);
    if (!role.valid) return refuse(role.problem);
    // Without the offset, which moves: the same refusal is the same problem, reported once.
    if (role.kind == health::RedisRole::Kind::replica)
      return refuse("ROLE says replica of " + role.master_host + ":" + std::to_string(role.master_port));
    if (role.kind != health::RedisRole::Kind::master) return refuse("ROLE says " + role.summary());
    confirming_->close();
    confirming_ = nullptr;
    if (pending_switch_ == vote.master) pending_switch_.reset();
    current_ = MasterChange{*vote.master, vote.replicas, vote.failing_over,
                            round_reason_ + "; " + vote.summary + "; ROLE says master"};
    last_problem_.clear();
    OnChange notify = on_change_;  // a copy: the callback may stop the follower
    notify(*current_);
    end_round();
  });
}

void SentinelFollower::end_round() {
  round_active_ = false;
  if (stopping_) return;
  if (round_again_) {
    round_again_ = false;
    return start_round(std::move(again_reason_));
  }
  // A switch announced but not agreed on yet (the other Sentinels learn it
  // from the leader's hello messages): ask again soon rather than at the
  // next poll.
  if (pending_switch_ && (current_ ? current_->master != *pending_switch_ : true) && uv_now(loop_) < pending_until_ms_)
    uv_timer_start(retry_timer_, [](uv_timer_t* timer) {
      static_cast<SentinelFollower*>(timer->data)->start_round("+switch-master not yet agreed on: asking again");
    }, 50, 0);
}

void SentinelFollower::problem(const std::string& text) {
  if (text == last_problem_ || !on_problem_) return;
  last_problem_ = text;
  OnProblem notify = on_problem_;  // a copy: the callback may stop the follower
  notify(text);
}

void SentinelFollower::close_handle(uv_handle_t* handle) {
  handle->data = this;
  uv_close(handle, [](uv_handle_t* closed) {
    auto* self = static_cast<SentinelFollower*>(closed->data);
    delete reinterpret_cast<uv_timer_t*>(closed);
    if (--self->open_handles_ == 0) delete self;
  });
}

std::vector<std::string> SentinelFollower::known_sentinels() const {
  std::vector<std::string> keys;
  for (const auto& [key, link] : links_) keys.push_back(key);
  return keys;
}

void SentinelFollower::stop() {
  if (stopping_) return;
  stopping_ = true;
  on_change_ = nullptr;
  on_problem_ = nullptr;
  if (confirming_) confirming_->close();
  confirming_ = nullptr;
  for (auto& [key, link] : links_) {
    if (link->subscription) link->subscription->close();
    if (link->query) link->query->close();
    link->subscription = link->query = nullptr;
    uv_timer_stop(link->resubscribe_timer);
    close_handle(reinterpret_cast<uv_handle_t*>(link->resubscribe_timer));
  }
  uv_timer_stop(poll_timer_);
  uv_timer_stop(retry_timer_);
  close_handle(reinterpret_cast<uv_handle_t*>(poll_timer_));
  close_handle(reinterpret_cast<uv_handle_t*>(retry_timer_));
}

}  // namespace sy::sentinel
