// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

/// A word of storage to set and read (slot 0), and one its constructor writes (slot 1,
/// as upstream's arbostest Storage contract does).
contract Storage {
    uint256 public stored;

    event Stored(address indexed by, uint256 value);

    constructor() {
        assembly {
            sstore(1, 12345)
        }
    }

    function store(uint256 value) external {
        stored = value;
        emit Stored(msg.sender, value);
    }
}
