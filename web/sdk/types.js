// Public types of the SDK: what a shop passes in and what it gets back.
export {};
