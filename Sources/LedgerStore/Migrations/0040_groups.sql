-- Groups an envelope can be sent to. An envelope sent to a group is offered to its members and grabbed only by
-- them; before this, any user who knew an envelope's id could grab it, and any user could subscribe to any group's
-- announcements. The owner (who made the group) is always a member; members are users. Members are removed, never
-- their group: envelopes name it.
CREATE TABLE user_groups (
    group_id      text PRIMARY KEY,
    name          text NOT NULL,
    owner_account text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_group_members (
    group_id   text NOT NULL REFERENCES user_groups (group_id),
    account_id text NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, account_id)
);
