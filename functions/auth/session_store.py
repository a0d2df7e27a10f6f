"""Sessions in Redis. Keys: `auth:sess:<token hash>` (a hash per session) and `auth:user-sessions:<uid>`
(session id → token hash, for listing and logout-all). Multi-key changes run as Lua scripts so a
logout racing a refresh can never leave a half-written session behind.
"""

from __future__ import annotations

from datetime import datetime

import redis

from auth.sessions import Policy, Session
from blinkit.clock import iso

_TOUCH = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'last_seen_at', ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

_ROTATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[2], 'last_seen_at', ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return 1
"""

_DELETE_ONE = """
local hash = redis.call('HGET', KEYS[1], ARGV[1])
if not hash then return 0 end
redis.call('DEL', ARGV[2] .. hash)
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
"""

_DELETE_ALL = """
local hashes = redis.call('HVALS', KEYS[1])
for _, hash in ipairs(hashes) do redis.call('DEL', ARGV[1] .. hash) end
redis.call('DEL', KEYS[1])
return #hashes
"""

_SET_ROLES = """
local hashes = redis.call('HVALS', KEYS[1])
local n = 0
for _, hash in ipairs(hashes) do
  local key = ARGV[1] .. hash
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'roles', ARGV[2], 'store_id', ARGV[3]); n = n + 1
  end
end
return n
"""

# Keeps, in every live session of a user, only the roles also in ARGV[2] and the store only if it is ARGV[3]: the
# first step of a role change, so that until the change completes no session holds more than the old and the
# new roles both grant (auth.service.set_roles).
_NARROW_ROLES = """
local allowed = {}
for role in string.gmatch(ARGV[2], '[^,]+') do allowed[role] = true end
local hashes = redis.call('HVALS', KEYS[1])
local n = 0
for _, hash in ipairs(hashes) do
  local key = ARGV[1] .. hash
  if redis.call('EXISTS', key) == 1 then
    local current = redis.call('HMGET', key, 'roles', 'store_id')
    local kept = {}
    for role in string.gmatch(current[1] or '', '[^,]+') do
      if allowed[role] then table.insert(kept, role) end
    end
    local store_id = current[2] or ''
    if store_id ~= ARGV[3] then store_id = '' end
    redis.call('HSET', key, 'roles', table.concat(kept, ','), 'store_id', store_id); n = n + 1
  end
end
return n
"""

SESSION_PREFIX = "auth:sess:"


def session_key(token_hash: str) -> str:
    return SESSION_PREFIX + token_hash


def index_key(uid: str) -> str:
    return f"auth:user-sessions:{uid}"


class SessionStore:
    def __init__(self, client: redis.Redis, policy: Policy) -> None:
        self.r = client
        self.policy = policy
        self._touch = client.register_script(_TOUCH)
        self._rotate = client.register_script(_ROTATE)
        self._delete_one = client.register_script(_DELETE_ONE)
        self._delete_all = client.register_script(_DELETE_ALL)
        self._set_roles = client.register_script(_SET_ROLES)
        self._narrow_roles = client.register_script(_NARROW_ROLES)

    def create(self, session: Session, token_hash: str, now: datetime) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(session_key(token_hash), mapping=session.to_redis())
        pipe.expire(session_key(token_hash), session.ttl_seconds(now, self.policy))
        pipe.hset(index_key(session.uid), session.session_id, token_hash)
        pipe.expire(index_key(session.uid), int(self.policy.absolute.total_seconds()))
        pipe.execute()

    def get(self, token_hash: str) -> Session | None:
        data = self.r.hgetall(session_key(token_hash))
        return Session.from_redis(data) if data else None

    def touch(self, token_hash: str, session: Session, now: datetime) -> bool:
        touched = session.touched(now)
        ttl = touched.ttl_seconds(now, self.policy)
        return bool(self._touch(keys=[session_key(token_hash)], args=[iso(now), ttl]))

    def rotate(self, old_hash: str, new_hash: str, session: Session, now: datetime) -> bool:
        ttl = session.touched(now).ttl_seconds(now, self.policy)
        keys = [session_key(old_hash), session_key(new_hash), index_key(session.uid)]
        return bool(self._rotate(keys=keys, args=[session.session_id, new_hash, iso(now), ttl]))

    def list(self, uid: str) -> list[Session]:
        index = self.r.hgetall(index_key(uid))
        if not index:
            return []
        pipe = self.r.pipeline(transaction=False)
        for token_hash in index.values():
            pipe.hgetall(session_key(token_hash))
        sessions, gone = [], []
        for (sid, _), data in zip(index.items(), pipe.execute(), strict=True):
            if data:
                sessions.append(Session.from_redis(data))
            else:
                gone.append(sid)  # expired in Redis: prune the index lazily
        if gone:
            self.r.hdel(index_key(uid), *gone)
        return sessions

    def delete(self, uid: str, session_id: str) -> bool:
        return bool(self._delete_one(keys=[index_key(uid)], args=[session_id, SESSION_PREFIX]))

    def delete_all(self, uid: str) -> int:
        return int(self._delete_all(keys=[index_key(uid)], args=[SESSION_PREFIX]))

    def set_roles(self, uid: str, roles: tuple[str, ...], store_id: str | None = None) -> int:
        args = [SESSION_PREFIX, ",".join(roles), store_id or ""]
        return int(self._set_roles(keys=[index_key(uid)], args=args))

    def narrow_roles(self, uid: str, roles: tuple[str, ...], store_id: str | None = None) -> int:
        """In every live session of `uid`, drop the roles not in `roles` and a store other than `store_id`."""
        args = [SESSION_PREFIX, ",".join(roles), store_id or ""]
        return int(self._narrow_roles(keys=[index_key(uid)], args=args))
